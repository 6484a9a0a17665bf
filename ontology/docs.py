"""Generated documentation and release files of the ontology.

`python -m ontology.docs [OUT_DIR]` writes, into OUT_DIR (default ontology/docs/):
  index.html   pyLODE HTML of atmp.ttl with its alignments
  atmp.rdf     RDF/XML release of the core (tools such as Protégé and owlready2 read it)
  atmp-full.rdf  RDF/XML of the core plus alignments
  atmp.ttl / alignments.ttl  copies of the edited sources, so the folder is a complete release
Everything here is generated: edit atmp.ttl and re-run, never edit the output.
"""

from __future__ import annotations

import argparse
import html
import importlib
import importlib.metadata
import logging
import shutil
import sys
import types
from pathlib import Path

import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from ontology.model import ALIGNMENTS_TTL, ATMP_TTL, DEFAULT_DOCS_DIR, ontology_graph


def _import_pylode() -> types.ModuleType:
    # pylode 3.4.1's version module reads a pyproject.toml that is not shipped in its wheel, so
    # `import pylode` fails with FileNotFoundError. Registering the version module first (with the
    # installed distribution's version) sidesteps that without touching site-packages.
    if "pylode.version" not in sys.modules:
        stub = types.ModuleType("pylode.version")
        setattr(stub, "__version__", importlib.metadata.version("pylode"))  # noqa: B010
        sys.modules["pylode.version"] = stub
    # pylode also calls logging.basicConfig(level=DEBUG) at import; undo that so importing it in
    # the API or CLI process does not change the application's logging.
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    pylode = importlib.import_module("pylode")
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)
    return pylode


def _documented_graph() -> rdflib.Graph:
    """Core + alignment axioms under the core's single ontology header.

    pyLODE documents one owl:Ontology; the alignments file has its own header, dropped here so
    the page shows the alignments as part of each term instead of a second ontology."""
    graph = ontology_graph(include_alignments=True)
    for header in list(graph.subjects(RDF.type, OWL.Ontology)):
        if str(header).endswith("/alignments"):
            graph.remove((header, None, None))
    return graph


_ENUMERATIONS_ANCHOR = '<div id="namespaces">'


def _label(graph: rdflib.Graph, node: rdflib.term.Node) -> str:
    return str(graph.value(node, RDFS.label) or node)


def _enumerations_html(graph: rdflib.Graph) -> str:
    """A section listing the closed enumerations: pyLODE's OntPub documents classes and
    properties but not named individuals, and the enumeration values are part of the contract."""
    parts = ['<div id="enumerations">', "<h2>Closed enumerations</h2>"]
    schemes = sorted(graph.subjects(RDF.type, SKOS.ConceptScheme), key=str)
    for scheme in schemes:
        members = sorted(graph.subjects(SKOS.inScheme, scheme), key=str)
        parts.append(f'<h3 id="{html.escape(str(scheme).rsplit("#", 1)[-1])}">')
        parts.append(
            f"{html.escape(_label(graph, scheme))} <code>{html.escape(str(scheme))}</code></h3>"
        )
        if not members:
            parts.append("<p>Open scheme: concepts come from the curated data/ vocabularies.</p>")
            continue
        parts.append("<table><tr><th>IRI</th><th>label</th><th>definition</th><th>match</th></tr>")
        for member in members:
            matches = " ".join(
                f'<a href="{html.escape(str(m))}">{html.escape(str(m))}</a>'
                for m in sorted(graph.objects(member, SKOS.exactMatch), key=str)
            )
            parts.append(
                f"<tr><td><code>atmp:{html.escape(str(member).rsplit('#', 1)[-1])}</code></td>"
                f"<td>{html.escape(_label(graph, member))}</td>"
                f"<td>{html.escape(str(graph.value(member, SKOS.definition) or ''))}</td>"
                f"<td>{matches}</td></tr>"
            )
        parts.append("</table>")
    parts.append("</div>")
    return "\n".join(parts) + "\n"


def build_docs(out_dir: Path = DEFAULT_DOCS_DIR) -> Path:
    """Write the HTML documentation and the RDF/XML release to out_dir; returns index.html."""
    out_dir.mkdir(parents=True, exist_ok=True)
    pylode = _import_pylode()
    index = out_dir / "index.html"
    graph = _documented_graph()
    page: str = pylode.OntPub(graph).make_html()
    # Before the namespaces section if pyLODE's layout has it, else at the end of the body.
    anchor = _ENUMERATIONS_ANCHOR if _ENUMERATIONS_ANCHOR in page else "</body>"
    page = page.replace(anchor, _enumerations_html(graph) + anchor, 1)
    index.write_text(page, encoding="utf-8")

    core = ontology_graph(include_alignments=False)
    core.serialize(out_dir / "atmp.rdf", format="xml")
    ontology_graph(include_alignments=True).serialize(out_dir / "atmp-full.rdf", format="xml")
    shutil.copyfile(ATMP_TTL, out_dir / ATMP_TTL.name)
    shutil.copyfile(ALIGNMENTS_TTL, out_dir / ALIGNMENTS_TTL.name)
    return index


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ontology.docs", description="Generate the ontology's HTML docs."
    )
    parser.add_argument("out_dir", nargs="?", type=Path, default=DEFAULT_DOCS_DIR)
    args = parser.parse_args(argv)
    index = build_docs(args.out_dir)
    print(index)
    return 0


if __name__ == "__main__":
    sys.exit(main())
