"""`atmp-kg serve`: the API and the web page, on the embedded store (built from data/ on first
start when it is empty) or on a remote SPARQL endpoint."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli.app import EndpointOption, StoreOption, app, err_console, one_line_errors, state
from api.deps import ApiSettings
from graph_builder.store import Store, open_store


@app.command()
@one_line_errors
def serve(
    host: Annotated[str | None, typer.Option("--host", help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port to listen on.")] = None,
    store: StoreOption = None,
    endpoint: EndpointOption = None,
    build: Annotated[
        bool,
        typer.Option(
            "--build/--no-build", help="Build the embedded store from data/ when it is empty."
        ),
    ] = True,
    access_log: Annotated[
        bool | None,
        typer.Option(
            "--access-log/--no-access-log",
            help="Log one line per request (default: the ATMP_KG_ACCESS_LOG setting, off).",
        ),
    ] = None,
) -> None:
    """Serve the SPARQL endpoint, linked data, hub lookups and the web page."""
    import uvicorn

    from api.app import create_app

    settings = _settings(store, endpoint, access_log)
    the_store = open_store(settings)
    if build and not settings.endpoint and not the_store.graphs():
        _first_build(settings, the_store)
    uvicorn.run(
        create_app(settings, the_store),
        host=host or settings.host,
        port=port or settings.port,
        log_level="info",
        access_log=settings.access_log,
    )


def _settings(store: Path | None, endpoint: str | None, access_log: bool | None) -> ApiSettings:
    update: dict[str, object] = {}
    if store is not None:
        update.update(store=store, endpoint=None)
    if endpoint is not None:
        update["endpoint"] = endpoint
    settings = ApiSettings.from_settings(state().settings.model_copy(update=update))
    if access_log is None:
        return settings
    return settings.model_copy(update={"access_log": access_log})


def _first_build(settings: ApiSettings, store: Store) -> None:
    from graph_builder.build import build
    from graph_builder.settings import resolve_data_dir

    data_dir = resolve_data_dir(settings)
    err_console.print(f"The store at {settings.store} is empty: building it from {data_dir}.")
    report = build(store, data_dir=data_dir)
    err_console.print(
        f"Built {sum(report.graphs.values())} triples in {len(report.graphs)} graphs "
        f"in {report.seconds:.1f} s."
    )
