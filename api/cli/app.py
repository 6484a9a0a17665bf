"""The `atmp-kg` typer application and what every command shares: store selection, settings,
one-line errors. Command modules (api/cli/*_commands.py) register themselves on `app`."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import Annotated, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from graph_builder.errors import AtmpKgError
from graph_builder.settings import Settings
from graph_builder.store import Store, open_store

app = typer.Typer(
    name="atmp-kg",
    help="A knowledge graph of EU Advanced Therapy Medicinal Products.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
err_console = Console(stderr=True)

P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class CliState:
    settings: Settings
    debug: bool = False

    def open_store(self) -> Store:
        return open_store(self.settings)


_state: CliState | None = None


def state() -> CliState:
    """The options given before the command (set by `main_options`)."""
    global _state
    if _state is None:
        _state = CliState(Settings())
    return _state


StoreOption = Annotated[
    Path | None, typer.Option("--store", help="Embedded store folder (env ATMP_KG_STORE).")
]
EndpointOption = Annotated[
    str | None,
    typer.Option("--endpoint", help="Remote SPARQL 1.1 endpoint URL (env ATMP_KG_ENDPOINT)."),
]


@app.callback()
def main_options(
    store: StoreOption = None,
    endpoint: EndpointOption = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
) -> None:
    """Global options; they apply to every command."""
    global _state
    overrides: dict[str, object] = {}
    if store is not None:
        overrides["store"] = store
    if endpoint is not None:
        overrides["endpoint"] = endpoint
    _state = CliState(Settings(**overrides), debug=debug)  # type: ignore[arg-type]


def store_options(store: Path | None, endpoint: str | None) -> Store:
    """Open the store, letting per-command --store/--endpoint override the global ones."""
    st = state()
    if store is not None or endpoint is not None:
        update: dict[str, object] = {}
        if store is not None:
            update["store"] = store
            update["endpoint"] = None
        if endpoint is not None:
            update["endpoint"] = endpoint
        st = CliState(st.settings.model_copy(update=update), debug=st.debug)
    return st.open_store()


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print a one-line cause to stderr and return the Exit to raise."""
    # The message may hold file names or values with square brackets: not rich markup.
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def one_line_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Domain errors become one line on stderr and exit code 1 (a traceback only with --debug)."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except AtmpKgError as exc:
            if state().debug:
                raise
            raise fail(str(exc).replace("\n", " ")) from None
        except OSError as exc:
            if state().debug:
                raise
            raise fail(f"{exc.__class__.__name__}: {exc}") from None

    return wrapper


def main() -> None:
    # Import the command modules for their registrations.
    from api.cli import (  # noqa: F401
        build_commands,
        ontology_commands,
        query_commands,
        serve_command,
        store_commands,
    )

    app(prog_name="atmp-kg")
    sys.exit(0)
