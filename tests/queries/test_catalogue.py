"""The catalogue loader: the header format, the rules every .rq file follows, and what it
refuses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from graph_builder.errors import NotFound, QuerySyntaxError
from queries.catalogue import (
    PARAMETER_TYPES,
    NamedQuery,
    get_query,
    load_catalogue,
    parse_query_file,
    specialise,
    strip_non_syntax,
)

GOOD = """\
#+ summary: Sites in a country.
#+ description: >
#+   Long text.
#+ competency: [H1]
#+ tags: [facilities]
#+ parameters:
#+   country: {type: country, required: true}
#+   on: {type: date, default: 2026-01-01}
#+   flag: {type: boolean, default: no}
#+ example: {country: DE}
PREFIX atmp: <https://w3id.org/atmp-kg/ontology#>
SELECT ?site WHERE { ?site atmp:country ?country FILTER (?on > "2000-01-01"^^<x:d> || ?flag) }
ORDER BY ?site
"""


def write(tmp_path: Path, text: str, name: str = "sites.rq") -> Path:
    folder = tmp_path / "facilities"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_catalogue_has_at_least_30_queries_grouped_by_topic(
    catalogue: dict[str, NamedQuery],
) -> None:
    assert len(catalogue) >= 30
    topics = {q.topic for q in catalogue.values()}
    assert {"facilities", "materials", "products", "trials", "manufacturability"} <= topics
    for q in catalogue.values():
        assert q.path.parent.name == q.topic and q.path.stem == q.id
        assert q.summary and q.description and q.tags


def test_every_competency_question_supported_is_named_in_a_header(
    catalogue: dict[str, NamedQuery],
) -> None:
    named = {c for q in catalogue.values() for c in q.competency}
    expected = {f"R{i}" for i in range(1, 13)} | {f"H{i}" for i in range(1, 11)}
    expected |= {f"I{i}" for i in range(1, 9)}
    assert named == expected


def test_header_is_parsed_with_yaml_12_booleans(tmp_path: Path) -> None:
    q = parse_query_file(write(tmp_path, GOOD))
    assert (q.id, q.topic, q.summary, q.description) == (
        "sites",
        "facilities",
        "Sites in a country.",
        "Long text.",
    )
    assert [(p.name, p.type, p.required, p.default) for p in q.parameters] == [
        ("country", "country", True, None),
        ("on", "date", False, "2026-01-01"),  # `on` stays a name, the date stays text
        ("flag", "boolean", False, "no"),
    ]
    assert q.example == {"country": "DE"} and q.competency == ["H1"]
    assert q.sparql.startswith("PREFIX atmp:")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("#+ summary: Sites in a country.\n", ""), "needs a summary"),
        (("#+ tags: [facilities]", "#+ tagz: [facilities]"), "unknown header keys"),
        (("{type: country, required: true}", "{type: place}"), "type 'place'"),
        (("{type: country, required: true}", "{type: country, colour: red}"), "unknown keys"),
        (("country: {type: country", "nation: {type: country"), "nation is not a variable"),
        (("ORDER BY ?site", ""), "needs ORDER BY"),
        (("ORDER BY ?site", "ORDER BY ?site LIMIT 10"), "remove LIMIT"),
        (("SELECT ?site WHERE {", "ASK WHERE {"), "must be a SELECT"),
        (
            ("SELECT ?site WHERE {", "SELECT ?site (EXISTS { ?a ?b ?c } AS ?e) WHERE {"),
            "no group before it",
        ),
        (("{type: date, default: 2026-01-01}", "{type: date, default: soon}"), "bad default"),
        (
            ("{type: country, required: true}", "{type: country, required: true, default: DE}"),
            "cannot have a default",
        ),
        (("{country: DE}", "{country: Germany}"), "example is not valid"),
        (("#+ example", "#+ example: [\n#+ x"), "not valid YAML"),
        (("{type: country, required: true}", "{type: enum}"), "needs allowed values"),
    ],
)
def test_a_file_that_breaks_the_rules_is_refused_naming_it(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(QuerySyntaxError, match=re.escape(message)) as err:
        parse_query_file(path)
    assert str(path) in str(err.value)


def test_a_file_without_header_or_with_a_bad_id_is_refused(tmp_path: Path) -> None:
    with pytest.raises(QuerySyntaxError, match="missing the #\\+ YAML header"):
        parse_query_file(write(tmp_path, "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s\n"))
    with pytest.raises(QuerySyntaxError, match="lower_snake_case"):
        parse_query_file(write(tmp_path, GOOD, name="Bad-Name.rq"))


def test_duplicate_ids_across_topics_are_refused(tmp_path: Path) -> None:
    write(tmp_path, GOOD)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "sites.rq").write_text(GOOD, encoding="utf-8")
    with pytest.raises(QuerySyntaxError, match="also in"):
        load_catalogue(tmp_path)


def test_unknown_query_is_not_found() -> None:
    with pytest.raises(NotFound, match="no query 'nope'"):
        get_query("nope")


def test_library_queries_follow_the_house_rules(catalogue: dict[str, NamedQuery]) -> None:
    for q in catalogue.values():
        syntax = strip_non_syntax(q.sparql)
        # Pagination is the loader's: a total order to page on, no LIMIT/OFFSET of its own.
        assert "ORDER BY" in syntax.upper(), q.id
        assert not re.search(r"\b(LIMIT|OFFSET)\b", syntax[syntax.rfind("}") :], re.I), q.id
        for p in q.parameters:
            assert p.type in PARAMETER_TYPES
            assert re.search(rf"[?$]{p.name}\b", syntax), (q.id, p.name)


def test_library_queries_use_only_declared_ontology_terms(
    catalogue: dict[str, NamedQuery],
) -> None:
    ontology = (Path(__file__).parents[2] / "ontology" / "atmp.ttl").read_text(encoding="utf-8")
    declared = set(re.findall(r"^atmp:(\w+)\s+a\s", ontology, re.MULTILINE))
    declared |= set(re.findall(r"^atmp:(\w+)\s+a\s+atmp:\w+", ontology, re.MULTILINE))
    for q in catalogue.values():
        used = set(re.findall(r"\batmp:(\w+)", strip_non_syntax(q.sparql)))
        used |= {
            value
            for p in q.parameters
            if p.namespace is not None and p.namespace.endswith("ontology#")
            for value in p.allowed
        }
        assert used <= declared, (q.id, sorted(used - declared))


ANCHORED = """\
#+ summary: Trials by phase.
#+ description: Long text.
#+ parameters:
#+   phase: {type: enum, namespace: atmp, allowed: [Phase1, Phase2]}
#+   nct: {type: nct}
PREFIX atmp: <https://w3id.org/atmp-kg/ontology#>
SELECT ?trial WHERE {
#if bound(?phase)
#|  ?trial atmp:hasPhase ?phase .
#end
#if bound(?nct)
#|  ?trial atmp:nctNumber ?nct .
#end
  ?trial a atmp:ClinicalTrial .
#if general
  FILTER (!BOUND(?phase) || EXISTS { ?trial atmp:hasPhase ?phase })
  FILTER (!BOUND(?nct) || EXISTS { ?trial atmp:nctNumber ?nct })
#end
}
ORDER BY ?trial
"""


def syntax_lines(sparql: str) -> list[str]:
    return [line.strip() for line in strip_non_syntax(sparql).splitlines() if line.strip()]


def test_an_anchored_query_is_specialised_for_the_parameters_given(tmp_path: Path) -> None:
    q = parse_query_file(write(tmp_path, ANCHORED))
    general = syntax_lines(q.paged_sparql(None, 0))
    assert "?trial atmp:hasPhase ?phase ." not in general
    assert "FILTER (!BOUND(?phase) || EXISTS { ?trial atmp:hasPhase ?phase })" in general
    for given in ({}, {"phase": "Phase1"}, {"phase": "Phase1", "nct": "NCT09990002"}):
        lines = syntax_lines(q.paged_sparql(10, 0, q.terms(given)))
        assert ("?trial atmp:hasPhase ?phase ." in lines) == ("phase" in given)
        assert ("?trial atmp:nctNumber ?nct ." in lines) == ("nct" in given)
        assert not any(line.startswith("FILTER") for line in lines)
        assert lines[-1] == "LIMIT 10"
    # Only lines of the file are chosen: the header and the other lines stay as they are.
    specialised = specialise(ANCHORED, ["nct"])
    assert "\n  ?trial atmp:nctNumber ?nct .\n  ?trial a atmp:ClinicalTrial .\n}" in specialised
    assert "#if" not in specialised and "#end" not in specialised
    assert specialised.startswith(ANCHORED[: ANCHORED.index("#if")])


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("#end\n#if bound(?nct)", "#if bound(?nct)", "not closed by #end, or is nested"),
        ("#if bound(?nct)", "#if bound(?registry)", "must name parameters"),
        ("#|  ?trial atmp:nctNumber ?nct .", "  ?trial atmp:nctNumber ?nct .", "start with #|"),
        ("#if bound(?nct)\n#|  ?trial atmp:nctNumber ?nct .\n#end\n", "", "tests nct, which no"),
    ],
)
def test_anchored_blocks_that_break_the_rules_are_refused(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    assert old in ANCHORED
    with pytest.raises(QuerySyntaxError, match=message):
        parse_query_file(write(tmp_path, ANCHORED.replace(old, new, 1)))
