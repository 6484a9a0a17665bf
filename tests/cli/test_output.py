"""The CLI's one table renderer: exact cells for `sparql`, terse ones for named queries and
analyses, and cell text that is never read as rich markup."""

from __future__ import annotations

from pyoxigraph import BlankNode, Literal, NamedNode
from rich.console import Console

from api.cli.output import cell_text, table
from graph_builder.namespaces import ATMP, ID

PRODUCT = NamedNode(ID + "product/EMEA-H-C-004090")
LABEL = Literal("Kymriah", language="en")


def test_exact_cells_keep_every_term_as_written() -> None:
    assert cell_text(PRODUCT) == PRODUCT.value
    assert cell_text(LABEL) == "Kymriah@en"
    assert cell_text(BlankNode("b1")) == "_:b1"
    assert cell_text("https://w3id.org/atmp-kg/ontology#GTMP") == ATMP + "GTMP"
    assert cell_text(None) == ""


def test_terse_cells_shorten_iris_and_drop_language_tags() -> None:
    assert cell_text(PRODUCT, terse=True) == "id:product/EMEA-H-C-004090"
    assert cell_text(NamedNode(ATMP + "GMPGrade"), terse=True) == "atmp:GMPGrade"
    assert cell_text(ATMP + "GTMP", terse=True) == "atmp:GTMP"
    assert cell_text("http://example.org/x", terse=True) == "http://example.org/x"
    assert cell_text(LABEL, terse=True) == "Kymriah"
    assert cell_text(True, terse=True) == "true"
    assert cell_text(3, terse=True) == "3"


def test_cells_are_data_not_markup() -> None:
    console = Console(width=80, record=True)
    console.print(table(["label"], [[Literal("[bold]not markup[/bold]")]]))
    assert "[bold]not markup[/bold]" in console.export_text()
