"""`reference`: the curated data written in data/reference/ (every row cites its public source):
legal acts, regulatory pathways, the capability / MIA-operation / material vocabularies,
organisations, the centrally authorised ATMPs with their classification and dated authorisation
events, refused and withdrawn applications, cited trials, batch-release sites and illustrative
manufacturing processes. Layouts: data/schemas/*.json (tables whose atmp:source is reference)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import ClassVar, Final

from pyoxigraph import Literal, NamedNode, Triple

from graph_builder import iris
from graph_builder.errors import shown
from graph_builder.namespaces import RDF_TYPE, atmp, dct, rdfs, skos
from graph_builder.sources.base import ErrorHandler, raise_error
from graph_builder.sources.csv_records import (
    CsvRow,
    ProjectCsvSource,
    TripleSink,
    lit,
    read_rows,
    row_triples,
)
from graph_builder.sources.nodes import country_triples

SOURCE_ID: Final = "reference"

# (table, column) -> (vocabulary table, its key column): a value must be a key read in the same run.
REFERENCES: Final[dict[tuple[str, str], tuple[str, str]]] = {
    ("legal_acts", "governs_pathways"): ("pathways", "code"),
    ("pathways", "legal_basis"): ("legal_acts", "act_id"),
    ("pathways", "broader"): ("pathways", "code"),
    ("capabilities", "broader"): ("capabilities", "code"),
    ("operations", "broader"): ("operations", "code"),
    ("illustrative_processes", "requires_capabilities"): ("capabilities", "code"),
    ("illustrative_processes", "requires_operations"): ("operations", "code"),
    ("illustrative_processes", "uses_materials"): ("materials", "material_id"),
    ("products", "holder"): ("organisations", "name"),
    ("products", "originator"): ("organisations", "name"),
    ("products", "parent_product"): ("products", "product_name"),
    ("authorisation_events", "from_holder"): ("organisations", "name"),
    ("authorisation_events", "to_holder"): ("organisations", "name"),
    ("authorisation_events", "ema_number"): ("products", "ema_number"),
    ("applications", "applicant"): ("organisations", "name"),
    ("trials", "sponsor"): ("organisations", "name"),
    ("trials", "product_name"): ("products", "product_name"),
    ("batch_release_sites", "manufacturer_name"): ("organisations", "name"),
    ("batch_release_sites", "product_name"): ("products", "product_name"),
}

PATHWAY_OF_MA_TYPE: Final = {
    "ConditionalMA": "conditional-ma",
    "ExceptionalCircumstancesMA": "exceptional-circumstances",
}
EVENT_OF_OUTCOME: Final = {"Refused": "Refusal", "ApplicationWithdrawn": "ApplicationWithdrawal"}
TRIAL_ROLE_PROPERTY: Final = {"pivotal": "supportingTrial", "confirmatory": "specificObligation"}


class ReferenceSource(ProjectCsvSource):
    source_id: ClassVar[str] = SOURCE_ID
    title: ClassVar[str] = "Curated reference data (atmp-kg data/reference)"

    def read(self, path: Path, on_error: ErrorHandler = raise_error) -> Iterator[CsvRow]:
        # The tables refer to one another, so every file is read before any row is passed on.
        rows = list(read_rows(path, SOURCE_ID, on_error))
        keys: dict[tuple[str, str], set[str]] = defaultdict(set)
        tables = {row.table for row in rows}
        for row in rows:
            for name, value in row.values.items():
                if isinstance(value, str) and value:
                    keys[(row.table, name)].add(value)
        for row in rows:
            if _references_resolve(row, keys, tables, on_error):
                yield row

    def triples(self, record: CsvRow) -> Iterable[Triple]:
        return row_triples(record, MAPPERS)


def _references_resolve(
    row: CsvRow,
    keys: dict[tuple[str, str], set[str]],
    tables: set[str],
    on_error: ErrorHandler,
) -> bool:
    for (table, column), (target, target_column) in REFERENCES.items():
        if table != row.table or target not in tables:
            continue
        value = row.get(column)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and item and item not in keys[(target, target_column)]:
                on_error(
                    row.error(
                        SOURCE_ID,
                        column,
                        f"unknown code {shown(item)}: no {target_column} of that value in {target}",
                    )
                )
                return False
    return True


# --- row -> triples ------------------------------------------------------------------------


def _concept(sink: TripleSink, node: NamedNode, cls: str, row: CsvRow, code: str) -> None:
    """A concept of an open vocabulary, in the ontology's scheme of its class (atmp:<cls>Scheme)."""
    sink.a(node, cls)
    sink.add(node, RDF_TYPE, skos("Concept"))
    sink.add(node, skos("inScheme"), atmp(cls + "Scheme"))
    sink.label(node, row.text("label"))
    sink.text(node, skos("prefLabel"), row.text("label"))
    sink.text(node, skos("notation"), code)
    sink.text(node, skos("definition"), row.text("definition"))


def map_legal_act(sink: TripleSink, row: CsvRow) -> None:
    act_id, celex = str(row.get("act_id")), row.text("celex")
    if celex and act_id != celex:
        # Other tables cite an act by act_id; an EU act is keyed on its CELEX number everywhere.
        raise row.error(
            SOURCE_ID,
            "act_id",
            f"an act with a CELEX number is keyed on it: act_id must be {celex!r}",
        )
    act = iris.legal_act(celex=celex, name=act_id)
    sink.a(act, "LegalAct")
    sink.label(act, row.text("short_name"))
    sink.text(act, dct("title"), row.text("title"))
    sink.add(act, dct("type"), lit(row.get("act_type")))
    sink.add(act, atmp("celexNumber"), lit(row.get("celex")))
    url = row.text("url")
    sink.add(act, rdfs("seeAlso"), NamedNode(url) if url else None)
    jurisdiction = row.text("jurisdiction")
    if jurisdiction and jurisdiction != "EU":
        sink.add(act, dct("spatial"), country_node(sink, jurisdiction))
    for code in row.items("governs_pathways"):
        sink.add(act, atmp("governsPathway"), iris.mint("pathway", code))
    sink.provenance(act, row, SOURCE_ID, act_id)


def _vocabulary_concept(sink: TripleSink, row: CsvRow, type_segment: str, cls: str) -> NamedNode:
    """A row of an open vocabulary table (code, label, definition, broader code) as a concept,
    with its provenance."""
    code = str(row.get("code"))
    node = iris.mint(type_segment, code)
    _concept(sink, node, cls, row, code)
    broader = row.text("broader")
    sink.add(node, skos("broader"), iris.mint(type_segment, broader) if broader else None)
    sink.provenance(node, row, SOURCE_ID, code)
    return node


def map_pathway(sink: TripleSink, row: CsvRow) -> None:
    node = _vocabulary_concept(sink, row, "pathway", "RegulatoryPathway")
    for act_id in row.items("legal_basis"):
        sink.add(node, atmp("legalBasis"), iris.legal_act(name=act_id))


def map_capability(sink: TripleSink, row: CsvRow) -> None:
    _vocabulary_concept(sink, row, "capability", "Capability")


def map_operation(sink: TripleSink, row: CsvRow) -> None:
    node = _vocabulary_concept(sink, row, "operation", "AuthorisedOperation")
    sink.text(node, skos("scopeNote"), _confidence_note(row))


def map_material(sink: TripleSink, row: CsvRow) -> None:
    code = str(row.get("material_id"))
    node = iris.mint("material", code)
    sink.a(node, "Material")
    sink.a(node, str(row.get("category")))
    sink.label(node, row.text("label"))
    sink.text(node, skos("definition"), row.text("definition"))
    origin = row.text("origin")
    sink.add(node, atmp("origin"), atmp(origin) if origin else None)
    sink.provenance(node, row, SOURCE_ID, code)


def map_organisation(sink: TripleSink, row: CsvRow) -> None:
    name = str(row.get("name"))
    node = organisation(sink, name)
    for alt in row.items("alt_names"):
        sink.text(node, skos("altLabel"), alt)
    sink.add(node, atmp("orgType"), atmp(str(row.get("org_type"))))
    code = row.text("country")
    sink.add(node, atmp("country"), country_node(sink, code) if code else None)
    sink.provenance(node, row, SOURCE_ID, name)


def map_product(sink: TripleSink, row: CsvRow) -> None:
    name = str(row.get("product_name"))
    ema_number = row.text("ema_number")
    node = product(name, ema_number)
    sink.a(node, "ATMP")
    sink.label(node, name)
    sink.add(node, atmp("inn"), lit(row.get("inn")))
    sink.add(node, atmp("emaProductNumber"), lit(ema_number))
    sink.add(node, atmp("atcCode"), lit(row.get("atc_code")))
    sink.add(node, atmp("isCART"), lit(row.get("is_cart")))
    origin = row.text("cell_origin")
    sink.add(node, atmp("cellOrigin"), atmp(origin) if origin else None)
    originator = row.text("originator")
    sink.add(node, atmp("originator"), organisation(sink, originator) if originator else None)
    parent = row.text("parent_product")
    sink.add(node, atmp("hasParentProduct"), product(parent, None) if parent else None)
    for attribute in row.items("differs_in"):
        sink.text(node, atmp("differsInAttribute"), attribute)
    _classification(sink, row, node, ema_number or name)
    if ema_number:
        _marketing_authorisation(sink, row, node, ema_number)
    sink.provenance(node, row, SOURCE_ID, name)


def _classification(sink: TripleSink, row: CsvRow, node: NamedNode, key: str) -> None:
    cls = row.text("atmp_class")
    source = row.text("class_source")
    if not cls or not source:
        return
    assertion = iris.mint("classification", f"{iris.slug(key)}-{iris.slug(source)}")
    sink.a(assertion, "ClassificationAssertion")
    sink.add(assertion, atmp("assertsClass"), atmp(cls))
    sink.add(assertion, atmp("classificationSource"), atmp(source))
    url = row.text("class_source_url")
    sink.add(assertion, dct("source"), NamedNode(url) if url else None)
    confidence = row.text("class_confidence")
    note = "; ".join(
        t
        for t in (f"confidence={confidence}" if confidence else "", row.text("class_note") or "")
        if t
    )
    sink.text(assertion, skos("note"), note or None)
    sink.add(node, atmp("hasClassification"), assertion)
    # An unverified class stays an assertion only; the product is not typed with it.
    if confidence != "unverified":
        sink.a(node, cls)


def _marketing_authorisation(
    sink: TripleSink, row: CsvRow, node: NamedNode, ema_number: str
) -> None:
    ma = iris.marketing_authorisation(ema_number)
    sink.a(ma, "MarketingAuthorisation")
    sink.add(ma, atmp("authorisedProduct"), node)
    sink.add(node, atmp("hasMarketingAuthorisation"), ma)
    sink.add(ma, atmp("procedureNumber"), Literal(ema_number))
    holder = row.text("holder")
    sink.add(ma, atmp("holder"), organisation(sink, holder) if holder else None)
    ma_type = row.text("ma_type_at_grant")
    sink.add(ma, atmp("maType"), atmp(ma_type) if ma_type else None)
    status = row.text("status")
    sink.add(ma, atmp("status"), atmp(status) if status else None)
    pathways = ["centralised-ma"]
    if ma_type in PATHWAY_OF_MA_TYPE:
        pathways.append(PATHWAY_OF_MA_TYPE[ma_type])
    if row.get("orphan_at_grant") is True:
        pathways.append("orphan-designation")
    if row.get("prime_at_grant") is True:
        pathways.append("prime")
    for code in pathways:
        sink.add(node, atmp("followsPathway"), iris.mint("pathway", code))
    sink.provenance(ma, row, SOURCE_ID, ema_number)


def map_event(sink: TripleSink, row: CsvRow) -> None:
    ema_number = str(row.get("ema_number"))
    event_type = str(row.get("event_type"))
    when = row.get("date")
    date_text = when.isoformat() if isinstance(when, date) else str(when)
    ma = iris.marketing_authorisation(ema_number)
    event = iris.event(iris.ema_key(ema_number), event_type, date_text)
    sink.a(event, "AuthorisationEvent")
    sink.add(event, atmp("eventType"), atmp(event_type))
    sink.add(event, dct("date"), lit(when))
    reason = row.text("withdrawal_reason")
    sink.add(event, atmp("withdrawalReason"), atmp(reason) if reason else None)
    sink.text(event, atmp("reasonText"), row.text("reason_text"))
    old, new = row.text("from_holder"), row.text("to_holder")
    sink.add(event, atmp("previousHolder"), organisation(sink, old) if old else None)
    sink.add(event, atmp("newHolder"), organisation(sink, new) if new else None)
    sink.add(ma, atmp("hasEvent"), event)
    sink.text(event, skos("scopeNote"), _confidence_note(row))
    sink.provenance(event, row, SOURCE_ID, f"{ema_number}/{event_type}/{date_text}")


def map_application(sink: TripleSink, row: CsvRow) -> None:
    number = str(row.get("application_ema_number"))
    app = iris.ma_application(number)
    node = product(str(row.get("product_name")), str(row.get("product_ema_number")))
    sink.a(node, "MedicinalProduct")
    sink.label(node, row.text("product_name"))
    sink.add(node, atmp("inn"), lit(row.get("inn")))
    sink.add(node, atmp("hasApplication"), app)
    sink.a(app, "MarketingAuthorisationApplication")
    sink.add(app, atmp("procedureNumber"), Literal(number))
    sink.add(app, atmp("holder"), organisation(sink, str(row.get("applicant"))))
    outcome = str(row.get("outcome"))
    sink.add(app, atmp("applicationOutcome"), atmp(outcome))
    key = iris.ema_key(number)
    opinion_date = row.get("opinion_date")
    if isinstance(opinion_date, date):
        _application_event(sink, row, app, key, "CHMPOpinion", opinion_date, row.text("opinion"))
    outcome_date = row.get("outcome_date")
    if isinstance(outcome_date, date) and outcome in EVENT_OF_OUTCOME:
        _application_event(sink, row, app, key, EVENT_OF_OUTCOME[outcome], outcome_date, None)
    sink.provenance(app, row, SOURCE_ID, number)


def _application_event(
    sink: TripleSink,
    row: CsvRow,
    app: NamedNode,
    key: str,
    event_type: str,
    when: date,
    opinion: str | None,
) -> None:
    date_text = when.isoformat()
    event = iris.event(key, event_type, date_text)
    sink.a(event, "AuthorisationEvent")
    sink.add(event, atmp("eventType"), atmp(event_type))
    sink.add(event, dct("date"), lit(when))
    sink.text(event, atmp("reasonText"), f"{opinion} opinion" if opinion else None)
    sink.add(app, atmp("hasEvent"), event)
    sink.provenance(event, row, SOURCE_ID, f"{key}/{event_type}/{date_text}")


def map_trial(sink: TripleSink, row: CsvRow) -> None:
    eudract, euct, nct = row.text("eudract"), row.text("euct"), row.text("nct")
    if not (eudract or euct or nct):
        return
    trial = iris.trial(eudract, euct, nct)
    sink.a(trial, "ClinicalTrial")
    sink.label(trial, row.text("trial_name"))
    sink.text(trial, atmp("title"), row.text("trial_name"))
    sink.add(trial, atmp("eudractNumber"), lit(eudract))
    sink.add(trial, atmp("euCtNumber"), lit(euct))
    sink.add(trial, atmp("nctNumber"), lit(nct))
    phase = row.text("phase")
    sink.add(trial, atmp("hasPhase"), atmp(phase) if phase else None)
    sponsor = row.text("sponsor")
    sink.add(trial, atmp("hasSponsor"), organisation(sink, sponsor) if sponsor else None)
    ema_number = row.text("product_ema_number")
    sink.add(trial, atmp("testsProduct"), product(str(row.get("product_name")), ema_number))
    role = str(row.get("role"))
    if ema_number and role in TRIAL_ROLE_PROPERTY:
        sink.add(iris.marketing_authorisation(ema_number), atmp(TRIAL_ROLE_PROPERTY[role]), trial)
    sink.provenance(trial, row, SOURCE_ID, iris.canonical_trial_id(eudract, euct, nct))


def map_batch_release_site(sink: TripleSink, row: CsvRow) -> None:
    maker, city = str(row.get("manufacturer_name")), str(row.get("site_city"))
    site = iris.site(org_name=maker, city=city)
    sink.a(site, "ManufacturingSite")
    sink.label(site, f"{maker}, {city}")
    sink.add(site, atmp("operatedBy"), organisation(sink, maker))
    sink.text(site, atmp("city"), city)
    sink.add(site, atmp("country"), country_node(sink, str(row.get("site_country"))))
    node = product(str(row.get("product_name")), row.text("product_ema_number"))
    sink.add(node, atmp("batchReleaseSite"), site)
    sink.text(site, skos("scopeNote"), _confidence_note(row))
    sink.provenance(site, row, SOURCE_ID, f"{row.get('product_name')}/{maker}")


def map_process_step(sink: TripleSink, row: CsvRow) -> None:
    node = product(str(row.get("product_name")), row.text("product_ema_number"))
    key = _product_key(str(row.get("product_name")), row.text("product_ema_number"))
    process = iris.mint("process", key)
    sink.a(process, "ManufacturingProcess")
    sink.label(process, f"Manufacturing process of {row.get('product_name')} (illustrative)")
    sink.add(node, atmp("hasProcess"), process)
    step = iris.mint("step", f"{key}-{row.get('step_no')}")
    sink.a(step, "ProcessStep")
    sink.label(step, row.text("step_label"))
    sink.add(step, atmp("stepNumber"), lit(row.get("step_no")))
    sink.add(process, atmp("hasStep"), step)
    for code in row.items("requires_capabilities"):
        sink.add(step, atmp("requiresCapability"), iris.mint("capability", code))
    for code in row.items("requires_operations"):
        sink.add(step, atmp("requiresOperation"), iris.mint("operation", code))
    for code in row.items("uses_materials"):
        sink.add(step, atmp("usesMaterial"), iris.mint("material", code))
    sink.provenance(step, row, SOURCE_ID, f"{key}/{row.get('step_no')}")
    if row.get("illustrative") is True:
        sink.provenance(process, row, SOURCE_ID, f"{key}/{row.get('step_no')}")


# --- shared nodes ---------------------------------------------------------------------------


def product(name: str, ema_number: str | None) -> NamedNode:
    """Keyed on the EMA number when there is one (so it meets the `ema` source's node)."""
    return iris.product(ema_number=ema_number) if ema_number else iris.product(name=name)


def _product_key(name: str, ema_number: str | None) -> str:
    return iris.ema_key(ema_number) if ema_number else iris.slug(name)


def organisation(sink: TripleSink, name: str) -> NamedNode:
    node = iris.org(name=name)
    sink.a(node, "Organisation")
    sink.label(node, name)
    return node


def country_node(sink: TripleSink, code: str) -> NamedNode:
    sink.triples.extend(country_triples(code))
    return iris.country(code)


def _confidence_note(row: CsvRow) -> str | None:
    confidence = row.text("confidence")
    return f"confidence={confidence}" if confidence else None


MAPPERS: Final = {
    "legal_acts": map_legal_act,
    "pathways": map_pathway,
    "capabilities": map_capability,
    "operations": map_operation,
    "materials": map_material,
    "organisations": map_organisation,
    "products": map_product,
    "authorisation_events": map_event,
    "applications": map_application,
    "trials": map_trial,
    "batch_release_sites": map_batch_release_site,
    "illustrative_processes": map_process_step,
}

SOURCE = ReferenceSource
