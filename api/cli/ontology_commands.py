"""Ontology commands of the atmp-kg CLI (registered on api.cli.app.app):

reason  HermiT on the ontology and on a bounded module of one graph's individuals; the new
        facts replace the graph <https://w3id.org/atmp-kg/graph/inferred-owl>
docs    the ontology's HTML documentation and RDF/XML release (ontology/docs.py)
"""

from __future__ import annotations

from contextlib import closing
from pathlib import Path
from typing import Annotated

import typer

from api.cli.app import EndpointOption, StoreOption, app, one_line_errors
from api.cli.app import store_options as open_selected_store
from graph_builder.errors import ParameterError
from graph_builder.namespaces import INFERRED_OWL, SOURCE_IDS, graph_iri
from graph_builder.store.bindings import named_node
from ontology.model import DEFAULT_DOCS_DIR
from ontology.reasoning import DEFAULT_TIMEOUT
from ontology.store_reasoning import DEFAULT_MAX_INDIVIDUALS, reason_over_store


def graph_of(value: str) -> str:
    """A source id ('reference') or a graph IRI -> the graph IRI."""
    if value in SOURCE_IDS:
        return graph_iri(value).value
    if value.startswith(("http://", "https://")):
        return named_node(value).value
    raise ParameterError(f"--graph {value!r}: use a source id ({', '.join(SOURCE_IDS)}) or an IRI")


@app.command("reason")
@one_line_errors
def reason_command(
    graph: Annotated[
        str,
        typer.Option("--graph", help="Source id or graph IRI whose individuals are classified."),
    ] = "reference",
    max_individuals: Annotated[
        int,
        typer.Option(
            "--max-individuals",
            min=1,
            help="Most individuals given to HermiT (a stable sample beyond that); its time grows "
            "super-quadratically with them.",
        ),
    ] = DEFAULT_MAX_INDIVIDUALS,
    timeout: Annotated[
        float, typer.Option("--timeout", min=0.1, help="Seconds each HermiT run may take.")
    ] = DEFAULT_TIMEOUT,
    store: StoreOption = None,
    endpoint: EndpointOption = None,
) -> None:
    """Check the ontology and a module of a graph's individuals with HermiT; write what it
    infers (class subsumptions, most specific types) to the inferred-owl graph."""
    target = graph_of(graph)
    with closing(open_selected_store(store, endpoint)) as st:
        report = reason_over_store(st, target, max_individuals=max_individuals, timeout=timeout)
    module = report.module
    typer.echo(
        f"ontology: consistent, {len(report.ontology.inferred)} inferred axioms "
        f"({report.ontology.seconds:.1f} s)"
    )
    typer.echo(
        f"module: {module.individuals} of {module.available} individuals of <{module.graph}>, "
        f"{len(module.triples)} triples: consistent, {report.new_types} inferred types "
        f"({report.data.seconds:.1f} s)"
    )
    typer.echo(f"wrote {report.written} new triples to <{INFERRED_OWL}>")


@app.command("docs")
@one_line_errors
def docs_command(
    output: Annotated[
        Path, typer.Option("--output", help="Folder for index.html and the RDF/XML release.")
    ] = DEFAULT_DOCS_DIR,
) -> None:
    """Generate the ontology's HTML documentation (pyLODE) and its RDF/XML release files."""
    from ontology.docs import build_docs  # pyLODE is slow to import; only this command needs it

    index = build_docs(output)
    typer.echo(f"wrote {index} and the release files in {index.parent}")
