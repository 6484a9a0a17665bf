"""Commands of the atmp-kg CLI (registered on api.cli.app.app)."""

from __future__ import annotations
