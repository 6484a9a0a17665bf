"""`atmp-kg serve`: the API and the web page, on the embedded store (built from data/ on first
start when it is empty) or on a remote SPARQL endpoint.

With `--workers N` (setting ATMP_KG_WORKERS) above 1, uvicorn runs N API processes from the app
factory `api.app:create_app`; each reads its settings from the environment, where this command
puts the ones its options changed, and each has its own query workers (`query_workers` each).
The store is built, when empty, before any of them starts."""

from __future__ import annotations

import os
from functools import partial
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
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=1,
            help="API worker processes, each with its own query workers "
            "(default: the ATMP_KG_WORKERS setting).",
        ),
    ] = None,
) -> None:
    """Serve the SPARQL endpoint, linked data, hub lookups and the web page."""
    import uvicorn

    from api.app import create_app
    from api.cli.serve_protocol import NoDelayHTTP

    settings = _settings(store, endpoint, access_log, workers)
    the_store = open_store(settings)
    if build and not settings.endpoint and not the_store.graphs():
        _first_build(settings, the_store)
    host, port = host or settings.host, port or settings.port
    run = partial(
        uvicorn.run,
        host=host,
        port=port,
        http=NoDelayHTTP,
        log_level="info",
        access_log=settings.access_log,
    )
    if settings.workers == 1:
        run(create_app(settings, the_store))
        return
    the_store.close()  # each worker opens its own
    os.environ.update(worker_environment(settings))
    run("api.app:create_app", factory=True, workers=settings.workers)


def _settings(
    store: Path | None,
    endpoint: str | None,
    access_log: bool | None,
    workers: int | None = None,
) -> ApiSettings:
    update: dict[str, object] = {}
    if store is not None:
        update.update(store=store, endpoint=None)
    if endpoint is not None:
        update["endpoint"] = endpoint
    settings = ApiSettings.from_settings(state().settings.model_copy(update=update))
    options = {"access_log": access_log, "workers": workers}
    return settings.model_copy(update={k: v for k, v in options.items() if v is not None})


def worker_environment(settings: ApiSettings) -> dict[str, str]:
    """What the API worker processes must read as this command resolved it: the settings that
    options (global or the command's own) can change. An empty endpoint selects the embedded
    store even when the environment or .env names one."""
    return {
        "ATMP_KG_STORE": str(settings.store),
        "ATMP_KG_ENDPOINT": settings.endpoint or "",
        "ATMP_KG_ACCESS_LOG": "true" if settings.access_log else "false",
    }


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
