"""Instance-level inferences, materialised into the `inferred` graph as SPARQL UPDATE rules.

DESIGN.md: HermiT classifies the ontology, but over instance data it grows super-quadratically,
so the instance inferences the queries rely on are written here as plain SPARQL 1.1 UPDATEs
(0.7 s at 1M triples in the design measurements). Every rule only adds to the `inferred` graph
and never where the fact is already stated, so the source graphs stay what their sources say.
Rules run in order; later rules see what earlier ones inferred.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from graph_builder.namespaces import (
    ATMP,
    GRAPH,
    ID,
    INFERRED,
    META_GRAPH,
    ONTOLOGY_GRAPH,
    sparql_prologue,
)
from graph_builder.sparql import select
from graph_builder.store.base import Store

ONTOLOGY: Final = ONTOLOGY_GRAPH
META: Final = META_GRAPH


@dataclass(frozen=True)
class Rule:
    name: str
    description: str
    update: str
    # A SELECT whose rows become the VALUES block that replaces %VALUES% in `update` (RDF terms
    # as pyoxigraph serialises them), so that the update starts from a short list of bindings.
    values_query: str | None = None


# Precedence of classification sources when they disagree on the ATMP class (lower wins): the
# EPAR states the class the product was authorised as, the CAT recommendation precedes it, a
# curator reads public documents, a sponsor self-classifies (DOMAIN.md §2.1: classification is an
# assertion, not an intrinsic property).
_SOURCE_RANK: Final = """VALUES (?source ?rank) {
    (atmp:EPARClassification 1) (atmp:CATRecommendation 2)
    (atmp:CuratorClassification 3) (atmp:SponsorSelfClassification 4) }"""

# Name patterns for organisation types, tried in this order (a "University Hospital" is a
# hospital). Legal forms mark companies. Case-insensitive SPARQL REGEX.
_HOSPITAL: Final = (
    r"hospital|h[oô]pital|ospedal|hospitalet|klinikum|krankenhaus|ziekenhuis|sjukhus|sygehus|"
    r"szpital|nemocnice|policlinico|clinic|medical cent(er|re)|cancer cent(er|re)|charit[eé]|"
    r"\\bchu\\b|\\bumc\\b|rigshospitalet"
)
_ACADEMIC: Final = (
    r"universit|universidad|universit[aä]t|college|school of|academ|institut|inserm|\\bcnrs\\b|"
    r"research council|karolinska"
)
_NON_PROFIT: Final = (
    r"foundation|fondazione|fundaci[oó]n|fundaci[oó]|stiftung|fondation|stichting|charity|"
    r"association|society|\\bets\\b|\\bonlus\\b|\\btrust\\b|\\bgroup\\b.*\\bstudy\\b"
)
_INDUSTRY: Final = (
    r"\\b(gmbh|ag|ltd|inc|llc|plc|b\\.? ?v|n\\.? ?v|s\\.? ?a|s\\.? ?p\\.? ?a|s\\.? ?r\\.? ?l|a/s|"
    r"aps|ab|oy|oyj|kg|sas|sarl|eeig|corp|corporation|company|pharma|pharmaceuticals?|"
    r"therapeutics|biotech|biologics|biopharma|biosciences)\\b"
)


def _org_type_rule(name: str, org_type: str, pattern: str, description: str) -> Rule:
    return Rule(
        name,
        description,
        f"""INSERT {{ GRAPH <{INFERRED}> {{ ?o atmp:orgType atmp:{org_type} }} }}
WHERE {{
  ?o a atmp:Organisation ; rdfs:label ?label .
  FILTER NOT EXISTS {{ ?o atmp:orgType ?any }}
  FILTER (REGEX(?label, "{pattern}", "i"))
}}""",
    )


def _defined_class_rule(name: str, description: str, var: str, cls: str, where: str) -> Rule:
    """`?var a atmp:<cls>` wherever `where` holds and the class is not already stated."""
    return Rule(
        name,
        description,
        f"""INSERT {{ GRAPH <{INFERRED}> {{ ?{var} a atmp:{cls} }} }}
WHERE {{
  {where}
  FILTER NOT EXISTS {{ ?{var} a atmp:{cls} }}
}}""",
    )


RULES: Final = (
    Rule(
        "class-from-classification",
        "A product takes the ATMP class of its most authoritative classification assertion "
        "(EPAR > CAT > curator > sponsor); a plain atmp:ATMP assertion does not override a "
        "specific class.",
        f"""INSERT {{ GRAPH <{INFERRED}> {{ ?p a ?class }} }}
WHERE {{
  ?p atmp:hasClassification ?c .
  ?c atmp:assertsClass ?class ; atmp:classificationSource ?source .
  {_SOURCE_RANK}
  FILTER (?class != atmp:ATMP)
  FILTER NOT EXISTS {{
    ?p atmp:hasClassification ?c2 .
    ?c2 atmp:assertsClass ?class2 ; atmp:classificationSource ?source2 .
    VALUES (?source2 ?rank2) {{
      (atmp:EPARClassification 1) (atmp:CATRecommendation 2)
      (atmp:CuratorClassification 3) (atmp:SponsorSelfClassification 4) }}
    FILTER (?class2 != atmp:ATMP && ?rank2 < ?rank)
  }}
  FILTER NOT EXISTS {{ ?p a ?class }}
}}""",
    ),
    _defined_class_rule(
        "atmp-from-classification",
        "A product with any classification assertion is an ATMP.",
        "p",
        "ATMP",
        "?p atmp:hasClassification/atmp:assertsClass ?class .",
    ),
    _defined_class_rule(
        "cart-product",
        "atmp:CARTProduct is defined as a medicinal product with isCART true.",
        "p",
        "CARTProduct",
        "?p a atmp:MedicinalProduct ; atmp:isCART true .",
    ),
    Rule(
        "subclass-closure",
        "Instances are typed with every atmp: superclass of their classes (rdfs:subClassOf+ in "
        "the ontology graph), so `?p a atmp:ATMP` finds GTMPs and CAR-T products.",
        f"""INSERT {{ GRAPH <{INFERRED}> {{ ?x a ?super }} }}
WHERE {{
  %VALUES%
  ?x a ?class .
  FILTER (STRSTARTS(STR(?x), "{ID}"))
  FILTER NOT EXISTS {{ ?x a ?super }}
}}""",
        # The class hierarchy is small: fetch it once, then look instances up class by class.
        # Only the atmp: superclasses: the alignments' external classes (schema:, obo:, prov:)
        # stay reachable with rdfs:subClassOf* and would triple the graph's size.
        values_query=f"""SELECT DISTINCT ?class ?super WHERE {{
  GRAPH <{ONTOLOGY}> {{ ?class rdfs:subClassOf+ ?super }}
  FILTER (isIRI(?class) && STRSTARTS(STR(?super), "{ATMP}") && ?class != ?super)
}}""",
    ),
    _defined_class_rule(
        "withdrawn-product",
        "atmp:WithdrawnProduct is defined as a product with a withdrawn marketing authorisation.",
        "p",
        "WithdrawnProduct",
        "?p a atmp:MedicinalProduct ; atmp:hasMarketingAuthorisation/atmp:status atmp:Withdrawn .",
    ),
    _defined_class_rule(
        "cat-recommendation",
        "atmp:CATClassificationRecommendation is defined as an assertion whose source is the CAT.",
        "c",
        "CATClassificationRecommendation",
        "?c a atmp:ClassificationAssertion ; atmp:classificationSource atmp:CATRecommendation .",
    ),
    Rule(
        "atmp-trial",
        "atmp:ATMPTrial is defined as a clinical trial that tests an ATMP.",
        f"""INSERT {{ GRAPH <{INFERRED}> {{ ?t a atmp:ATMPTrial }} }}
WHERE {{
  %VALUES%
  ?t atmp:testsProduct ?p .
  ?t a atmp:ClinicalTrial .
  FILTER NOT EXISTS {{ ?t a atmp:ATMPTrial }}
}}""",
        values_query="SELECT DISTINCT ?p WHERE { GRAPH ?g { ?p a atmp:ATMP } }",
    ),
    Rule(
        "is-atmp-trial",
        "A trial whose registry entry declares an ATMP class (declaredATMPClass) is flagged "
        "isATMPTrial true, unless the registry flag is already stated.",
        f"""INSERT {{ GRAPH <{INFERRED}> {{ ?t atmp:isATMPTrial true }} }}
WHERE {{
  %VALUES%
  ?t a atmp:ClinicalTrial .
  FILTER NOT EXISTS {{ ?t atmp:isATMPTrial ?flag }}
}}""",
        values_query="SELECT DISTINCT ?t WHERE { GRAPH ?g { ?t atmp:declaredATMPClass ?class } }",
    ),
    Rule(
        "org-type-commercial-sponsor",
        "The sponsor of a trial the registry records as commercially sponsored is Industry.",
        f"""INSERT {{ GRAPH <{INFERRED}> {{ ?o atmp:orgType atmp:Industry }} }}
WHERE {{
  {{ SELECT DISTINCT ?o WHERE {{ ?t atmp:hasSponsor ?o ; atmp:isCommercialSponsor true }} }}
  FILTER NOT EXISTS {{ ?o atmp:orgType ?any }}
}}""",
    ),
    _org_type_rule(
        "org-type-hospital",
        "Hospital",
        _HOSPITAL,
        "An organisation without a stated type whose name says hospital or clinic is a Hospital.",
    ),
    _org_type_rule(
        "org-type-academic",
        "Academic",
        _ACADEMIC,
        "An organisation without a stated type whose name says university, college or institute "
        "is Academic.",
    ),
    _org_type_rule(
        "org-type-non-profit",
        "NonProfit",
        _NON_PROFIT,
        "An organisation without a stated type whose name says foundation, association or trust "
        "(or the Italian ETS/ONLUS) is NonProfit.",
    ),
    _org_type_rule(
        "org-type-industry",
        "Industry",
        _INDUSTRY,
        "An organisation without a stated type whose name carries a company legal form (GmbH, "
        "Ltd, B.V., S.p.A., ...) or says pharma/therapeutics is Industry.",
    ),
    _defined_class_rule(
        "academic-sponsored-trial",
        "atmp:AcademicSponsoredTrial is defined as a trial with an academic or hospital sponsor.",
        "t",
        "AcademicSponsoredTrial",
        "?t a atmp:ClinicalTrial ; atmp:hasSponsor/atmp:orgType ?type .\n"
        "  VALUES ?type { atmp:Academic atmp:Hospital }",
    ),
    Rule(
        "results-due-date",
        "Summary results are due 12 months after the end of the trial (Regulation (EU) No "
        "536/2014 Art. 37; the EU Trials Tracker rule for EudraCT trials). 29 February plus one "
        "year is 28 February, as in xsd date arithmetic.",
        f"""INSERT {{ GRAPH <{INFERRED}> {{ ?t atmp:resultsDueDate ?due }} }}
WHERE {{
  %VALUES%
  FILTER NOT EXISTS {{ ?t atmp:resultsDueDate ?stated }}
}}""",
        values_query="""SELECT DISTINCT ?t ?due WHERE {
  GRAPH ?g { ?t atmp:endOfTrialDate ?end }
  FILTER (DATATYPE(?end) = xsd:date)
  BIND (SUBSTR(STR(?end), 6) AS ?monthDay)
  BIND (STRDT(CONCAT(STR(YEAR(?end) + 1), "-",
        IF(?monthDay = "02-29", "02-28", ?monthDay)), xsd:date) AS ?due)
}""",
    ),
)


def materialise(store: Store) -> dict[str, int]:
    """Run every rule in order on `store` (the build's writer); rule name -> triples added.

    The WHERE clauses read the union of every graph but `meta` (the ontology for the class
    hierarchy, `inferred` for what earlier rules found), named with USING: a SPARQL Update's
    default graph is not the union of the named graphs in Oxigraph or most servers."""
    graphs = {g for g in store.graphs() if g.startswith(GRAPH) and g != META} | {INFERRED}
    using = " ".join(f"USING <{g}>" for g in sorted(graphs))
    counts: dict[str, int] = {}
    prologue = sparql_prologue()
    for rule in RULES:
        before = store.count(INFERRED)
        update = rule.update
        if rule.values_query is not None:
            values = _values(store, rule.values_query)
            if values is None:
                counts[rule.name] = 0
                continue
            update = update.replace("%VALUES%", values)
        store.update(prologue + update.replace("\nWHERE {", f"\n{using}\nWHERE {{", 1))
        counts[rule.name] = store.count(INFERRED) - before
    return counts


def _values(store: Store, query: str) -> str | None:
    """The rows of `query` as a VALUES block; None when there are none (nothing to infer)."""
    result = select(store, query)
    if not result.rows:
        return None
    head = " ".join(f"?{v}" for v in result.variables)
    rows = " ".join("(" + " ".join(str(row[v]) for v in result.variables) + ")" for row in result)
    return f"VALUES ({head}) {{ {rows} }}"
