"""The ontology file itself: it parses, declares every contract term, and stays OWL 2 DL-shaped."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
import rdflib.collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD

from ontology.model import (
    ALIGNMENTS_TTL,
    ATMP_TTL,
    CHECKS_DIR,
    ONTOLOGY_IRI,
    SHAPES_TTL,
    VERSION_IRI,
    load_checks,
    load_ontology_triples,
    ontology_graph,
)

ATMP = rdflib.Namespace("https://w3id.org/atmp-kg/ontology#")
ADR = (
    Path(__file__).resolve().parents[2]
    / "docs"
    / "decisions"
    / "0001-iris-graphs-and-core-vocabulary.md"
)
DECLARATION_TYPES = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty}
ATMP_IRI = re.compile(r"(?:atmp:|<https://w3id\.org/atmp-kg/ontology#)([A-Za-z][A-Za-z0-9_]*)")


@pytest.fixture(scope="module")
def core() -> rdflib.Graph:
    return ontology_graph(include_alignments=False)


def declared(graph: rdflib.Graph) -> set[str]:
    return {
        str(s).removeprefix(str(ATMP))
        for s in graph.subjects(RDF.type, None)
        if isinstance(s, rdflib.URIRef) and str(s).startswith(str(ATMP))
    }


def adr_terms() -> set[str]:
    """Every backticked atmp term of ADR 0001's "Core terms" section (prefixed or bare)."""
    text = ADR.read_text(encoding="utf-8")
    core_section = text[text.index("## Core terms") :]
    names = set()
    for token in re.findall(r"`([^`]+)`", core_section):
        token = token.strip().removeprefix("atmp:")
        if re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", token):
            names.add(token)
    return names


def test_parses_with_rdflib_and_pyoxigraph() -> None:
    for path in (ATMP_TTL, ALIGNMENTS_TTL, SHAPES_TTL):
        graph = rdflib.Graph().parse(path, format="turtle")
        quads = list(ox.parse(path=path, format=ox.RdfFormat.TURTLE))
        assert len(graph) == len(quads) > 0
    assert len(load_ontology_triples()) == len(ontology_graph())


def test_header(core: rdflib.Graph) -> None:
    ontology = rdflib.URIRef(ONTOLOGY_IRI)
    assert (ontology, RDF.type, OWL.Ontology) in core
    assert (ontology, OWL.versionIRI, rdflib.URIRef(VERSION_IRI)) in core
    license_iri = rdflib.URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert (ontology, DCTERMS.license, license_iri) in core
    assert core.value(ontology, DCTERMS.description)
    # The core imports nothing: alignments live in their own file.
    assert not list(core.objects(None, OWL.imports))


def test_every_adr_term_is_declared(core: rdflib.Graph) -> None:
    terms = adr_terms()
    assert len(terms) > 200  # the parse found the section
    assert sorted(terms - declared(core)) == []


def test_every_used_atmp_term_is_declared_labelled_and_defined(core: rdflib.Graph) -> None:
    used: set[str] = set()
    for path in (ATMP_TTL, ALIGNMENTS_TTL, SHAPES_TTL, *sorted(CHECKS_DIR.glob("*.rq"))):
        text = "\n".join(
            line
            for line in path.read_text(encoding="utf-8").splitlines()
            if not line.lstrip().startswith("#")
        )
        used |= set(ATMP_IRI.findall(text))
    used.discard("")
    missing = sorted(used - declared(core))
    assert missing == []
    unlabelled = sorted(
        name
        for name in used
        if core.value(ATMP[name], RDFS.label) is None
        or core.value(ATMP[name], SKOS.definition) is None
    )
    assert unlabelled == []


def test_no_punning_between_classes_and_properties(core: rdflib.Graph) -> None:
    for term in {s for s in core.subjects(RDF.type, None) if isinstance(s, rdflib.URIRef)}:
        kinds = set(core.objects(term, RDF.type)) & DECLARATION_TYPES
        assert len(kinds) <= 1, f"{term} is declared as {kinds}"
        if kinds and str(term).startswith(str(ATMP)):
            # An enumeration individual never shares its IRI with a class or property.
            assert (term, RDF.type, OWL.NamedIndividual) not in core


def xsd_members(graph: rdflib.Graph, rng: rdflib.term.Node) -> list[str]:
    """The XSD datatypes a datatype-property range allows: itself, or the members of a
    DataUnionOf (`[ a rdfs:Datatype ; owl:unionOf ( xsd:date xsd:gYearMonth ) ]`)."""
    if isinstance(rng, rdflib.URIRef):
        return [str(rng)]
    assert (rng, RDF.type, RDFS.Datatype) in graph, f"{rng} is not a data range"
    union = graph.value(rng, OWL.unionOf)
    assert union is not None, f"{rng} is a data range but not a union"
    return [str(m) for m in rdflib.collection.Collection(graph, union)]


def test_property_ranges_match_property_kinds(core: rdflib.Graph) -> None:
    for prop in core.subjects(RDF.type, OWL.DatatypeProperty):
        for rng in core.objects(prop, RDFS.range):
            members = xsd_members(core, rng)
            assert members, prop
            assert all(m.startswith(str(XSD)) for m in members), f"{prop} has range {members}"
    for prop in core.subjects(RDF.type, OWL.ObjectProperty):
        for rng in core.objects(prop, RDFS.range):
            assert not str(rng).startswith(str(XSD)), f"{prop} has datatype range {rng}"
    identifiers = ["eudractNumber", "euCtNumber", "nctNumber", "emaProductNumber", "omsOrgId"]
    for name in identifiers:
        assert (ATMP[name], RDF.type, OWL.DatatypeProperty) in core
        assert (ATMP[name], RDFS.range, XSD.string) in core
    # Month-precision validity and report periods (the day is not always public).
    for name in ["validFrom", "validUntil"]:
        (rng,) = core.objects(ATMP[name], RDFS.range)
        assert xsd_members(core, rng) == [str(XSD.date), str(XSD.gYearMonth), str(XSD.gYear)]
    for name in ["reportPeriodStart", "reportPeriodEnd"]:
        (rng,) = core.objects(ATMP[name], RDFS.range)
        assert xsd_members(core, rng) == [str(XSD.date), str(XSD.gYearMonth)]
    # Class-valued properties are annotation properties (OWL 2 DL, see atmp.ttl header).
    for name in ["assertsClass", "declaredATMPClass"]:
        assert (ATMP[name], RDF.type, OWL.AnnotationProperty) in core


def test_enumeration_individuals_are_concepts_in_a_scheme(core: rdflib.Graph) -> None:
    schemes = set(core.subjects(RDF.type, SKOS.ConceptScheme))
    enumerations = [
        cls
        for cls in core.subjects(RDF.type, OWL.Class)
        if (cls, RDFS.subClassOf, SKOS.Concept) in core
        and any(core.objects(cls, OWL.equivalentClass))
    ]
    assert len(enumerations) == 14
    for cls in enumerations:
        members = [m for m in core.subjects(RDF.type, cls)]
        assert members, cls
        for member in members:
            assert (member, RDF.type, SKOS.Concept) in core
            assert core.value(member, SKOS.inScheme) in schemes, member


def test_trial_phases_match_cto(core: rdflib.Graph) -> None:
    obo = rdflib.Namespace("http://purl.obolibrary.org/obo/")
    assert (ATMP.Phase1, SKOS.exactMatch, obo.CTO_0000203) in core
    assert (ATMP.Phase1_2, SKOS.exactMatch, obo.CTO_0000046) in core
    for phase in core.subjects(RDF.type, ATMP.TrialPhase):
        assert str(core.value(phase, SKOS.exactMatch)).startswith(str(obo) + "CTO_"), phase


def test_atmp_class_definitions_cite_the_law(core: rdflib.Graph) -> None:
    for name in ["ATMP", "GTMP", "SCTMP", "TEP", "CombinedATMP", "HospitalExemptionAuthorisation"]:
        definition = str(core.value(ATMP[name], SKOS.definition))
        assert "1394/2007" in definition or "2001/83/EC" in definition, name


def test_alignments_only_map_never_declare_atmp_terms() -> None:
    alignments = rdflib.Graph().parse(ALIGNMENTS_TTL, format="turtle")
    assert declared(alignments) == set()
    idmp_ma = rdflib.URIRef(
        "https://spec.pistoiaalliance.org/idmp/ontology/ISO/ISO11615-MedicinalProducts/MarketingAuthorization"
    )
    assert (ATMP.MarketingAuthorisation, OWL.equivalentClass, idmp_ma) in alignments


def test_checks_are_documented_selects_binding_focus() -> None:
    checks = load_checks()
    assert len(checks) >= 4
    for check in checks:
        assert check.name.endswith("_violation")
        assert len(check.description) > 40, check.name
        assert re.search(r"\bSELECT\b", check.query) and "?focus" in check.query, check.name
        ox.Store().query(check.query)  # parses
