"""The `atmp-kg` command line: a thin face over the functions the API uses."""

from api.cli.app import app, main

__all__ = ["app", "main"]
