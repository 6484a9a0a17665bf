"""graph_builder.label_index: exactly "the lower-cased name contains the lower-cased text", by
the trigram table, the short-text scan and the identifier dictionary alike."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyoxigraph import BlankNode, Literal, NamedNode, Quad

from graph_builder.label_index import Entry, LabelIndex, fetch
from graph_builder.namespaces import ATMP, GRAPH, ID, RDFS
from graph_builder.store import EmbeddedStore

LABEL = RDFS + "label"
TITLE = ATMP + "title"
NCT = ATMP + "nctNumber"

NAMES = [
    "Kymriah",
    "tisagenlecleucel",
    "Marketing authorisation of Kymriah",
    'A "quoted" name',
    "Zürich Cell Unit",
    "İstanbul vector site",
    "ab",
    "x",
    "",
    "OR AND NOT * ^",
]


def index_of(names: list[str]) -> LabelIndex:
    return LabelIndex(Entry(f"{ID}thing/{i}", LABEL, n) for i, n in enumerate(names))


def expected(names: list[str], text: str) -> list[str]:
    return [n for n in names if text.lower() in n.lower()]


@pytest.mark.parametrize(
    "text",
    [
        "kymr",
        "KYMRIAH",
        "riah",
        "of k",
        '"quoted"',
        '"',
        "zür",
        "ZÜRICH",
        "istanbul",
        "i̇stanbul",
        "ab",
        "x",
        "OR AND",
        "*",
        "nothing like it",
        "",
    ],
)
def test_containing_matches_lowercased_substrings(text: str) -> None:
    found = index_of(NAMES).containing(text)
    assert [e.text for e in found] == expected(NAMES, text)


@settings(max_examples=200, deadline=None)
@given(
    names=st.lists(st.text(alphabet="abcAB ÄäSß\"'-0", max_size=12), max_size=12),
    text=st.text(alphabet="abcAB ÄäSß\"'-0", min_size=1, max_size=5),
)
def test_containing_agrees_with_python_for_any_text(names: list[str], text: str) -> None:
    assert [e.text for e in index_of(names).containing(text)] == expected(names, text)


def test_a_match_never_spans_two_names() -> None:
    index = index_of(["abc", "def", "abc"])
    assert index.containing("cd") == []
    assert index.containing("c\x00d") == []
    assert [e.subject for e in index.containing("bc")] == [f"{ID}thing/0", f"{ID}thing/2"]


def test_identifiers_match_whole_values_ignoring_case() -> None:
    index = LabelIndex(
        [Entry(f"{ID}trial/a", TITLE, "Study of NCT09999901 follow-up")],
        [Entry(f"{ID}trial/a", NCT, "NCT09999901"), Entry(f"{ID}trial/b", NCT, "nct09999901")],
    )
    assert [e.subject for e in index.identified_by("Nct09999901")] == [
        f"{ID}trial/a",
        f"{ID}trial/b",
    ]
    assert index.identified_by("NCT0999990") == []
    # Identifiers are not names, names not identifiers.
    assert [e.predicate for e in index.containing("nct0999")] == [TITLE]
    assert len(index) == 3


def test_fetch_reads_entity_names_and_identifiers_only(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store")
    thing, other = NamedNode(ID + "product/p1"), NamedNode("https://example.org/p2")
    g = NamedNode(GRAPH + "reference")
    with store.writing() as w:
        w.raw.extend(
            [
                Quad(thing, NamedNode(LABEL), Literal("Synthocel", language="en"), g),
                Quad(thing, NamedNode(NCT), Literal("NCT09999901"), g),
                Quad(thing, NamedNode(ATMP + "inn"), Literal("synthocabtagene"), g),
                Quad(other, NamedNode(LABEL), Literal("Synthocel elsewhere"), g),
                Quad(BlankNode(), NamedNode(LABEL), Literal("Synthocel blank"), g),
            ]
        )
    index = fetch(store, names=[LABEL], identifiers=[NCT])
    assert index.containing("synth") == [Entry(thing.value, LABEL, "Synthocel")]
    assert index.identified_by("nct09999901") == [Entry(thing.value, NCT, "NCT09999901")]
    store.close()
