"""Instance-level inferences, materialised into the `inferred` graph as SPARQL UPDATE rules.

DESIGN.md: HermiT classifies the ontology, but over instance data it grows super-quadratically,
so the instance inferences the queries rely on are written here as plain SPARQL 1.1 UPDATEs
(0.7 s at 1M triples in the design measurements). Every rule only adds to the `inferred` graph
and never where the fact is already stated, so the source graphs stay what their sources say.
Rules run in order; later rules see what earlier ones inferred.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Final

from pyoxigraph import NamedNode

from graph_builder.namespaces import (
    ATMP,
    ID,
    INFERRED,
    PREFIXES,
    RDFS,
)
from graph_builder.store.base import Store

MEDICINAL_PRODUCT: Final = ATMP + "MedicinalProduct"
SUBCLASS_OF: Final = RDFS + "subClassOf"


@dataclass(frozen=True)
class Rule:
    name: str
    description: str
    # SPARQL Update with the project's prefixes; %SUBCLASS_PAIRS% and %MEDICINAL_PRODUCT_CLASSES%
    # stand for VALUES blocks of the class hierarchy (`_sent`).
    update: str


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


def _defined_class_rule(name: str, description: str, var: str, cls: str, where: str) -> Rule:
    """`?var a atmp:<cls>` wherever `where` holds and the class is not already stated."""
    return Rule(
        name,
        description,
        f"""INSERT {{ GRAPH <{INFERRED}> {{ ?{var} a atmp:{cls} }} }}
WHERE {{
  {where}
  FILTER NOT EXISTS {{ GRAPH ?stated {{ ?{var} a atmp:{cls} }} }}
}}""",
    )


RULES: Final = (
    Rule(
        "class-from-classification",
        "A product takes the ATMP class of its most authoritative classification assertion "
        "(EPAR > CAT > curator > sponsor); a plain atmp:ATMP assertion does not override a "
        "specific class.",
        # The best rank per product first, then the assertions of that rank: a NOT EXISTS over
        # the product's other assertions was evaluated in Oxigraph without the product bound,
        # once per assertion (quadratic: 17 s of 20 s at 1M triples).
        f"""INSERT {{ GRAPH <{INFERRED}> {{ ?p a ?class }} }}
WHERE {{
  {{ SELECT ?p (MIN(?rank) AS ?best) WHERE {{
      GRAPH ?g1 {{ ?p atmp:hasClassification ?c }}
      GRAPH ?g2 {{ ?c atmp:assertsClass ?class }}
      GRAPH ?g3 {{ ?c atmp:classificationSource ?source }}
      {_SOURCE_RANK}
      FILTER (?class != atmp:ATMP)
    }} GROUP BY ?p }}
  GRAPH ?g4 {{ ?p atmp:hasClassification ?c }}
  GRAPH ?g5 {{ ?c atmp:assertsClass ?class }}
  GRAPH ?g6 {{ ?c atmp:classificationSource ?source }}
  {_SOURCE_RANK}
  FILTER (?class != atmp:ATMP && ?rank = ?best)
  FILTER NOT EXISTS {{ GRAPH ?stated {{ ?p a ?class }} }}
}}""",
    ),
    _defined_class_rule(
        "atmp-from-classification",
        "A product with any classification assertion is an ATMP.",
        "p",
        "ATMP",
        "GRAPH ?g1 { ?p atmp:hasClassification ?c }\n  GRAPH ?g2 { ?c atmp:assertsClass ?class }",
    ),
    _defined_class_rule(
        "cart-product",
        "atmp:CARTProduct is defined as a medicinal product with isCART true.",
        "p",
        "CARTProduct",
        # Sources type products with their ATMP class (atmp:GTMP, ...); the subclass closure,
        # which would infer atmp:MedicinalProduct from it, runs after this rule so as to close
        # CARTProduct's own superclasses.
        "%MEDICINAL_PRODUCT_CLASSES%\n"
        "  GRAPH ?g1 { ?p atmp:isCART true }\n"
        "  GRAPH ?g2 { ?p a ?class }",
    ),
    Rule(
        "subclass-closure",
        "Instances are typed with every atmp: superclass of their classes (rdfs:subClassOf+ in "
        "the ontology), so `?p a atmp:ATMP` finds GTMPs and CAR-T products.",
        # Only the atmp: superclasses: the alignments' external classes (schema:, obo:, prov:)
        # stay reachable with rdfs:subClassOf* and would triple the graph's size.
        f"""INSERT {{ GRAPH <{INFERRED}> {{ ?x a ?super }} }}
WHERE {{
  %SUBCLASS_PAIRS%
  GRAPH ?g1 {{ ?x a ?class }}
  FILTER (STRSTARTS(STR(?x), "{ID}"))
  FILTER NOT EXISTS {{ GRAPH ?stated {{ ?x a ?super }} }}
}}""",
    ),
    _defined_class_rule(
        "withdrawn-product",
        "atmp:WithdrawnProduct is defined as a product with a withdrawn marketing authorisation.",
        "p",
        "WithdrawnProduct",
        "GRAPH ?g1 { ?ma atmp:status atmp:Withdrawn }\n"
        "  GRAPH ?g2 { ?p atmp:hasMarketingAuthorisation ?ma }\n"
        "  GRAPH ?g3 { ?p a atmp:MedicinalProduct }",
    ),
    _defined_class_rule(
        "cat-recommendation",
        "atmp:CATClassificationRecommendation is defined as an assertion whose source is the CAT.",
        "c",
        "CATClassificationRecommendation",
        "GRAPH ?g1 { ?c atmp:classificationSource atmp:CATRecommendation }\n"
        "  GRAPH ?g2 { ?c a atmp:ClassificationAssertion }",
    ),
    _defined_class_rule(
        "atmp-trial",
        "atmp:ATMPTrial is defined as a clinical trial that tests an ATMP.",
        "t",
        "ATMPTrial",
        "GRAPH ?g1 { ?p a atmp:ATMP }\n"
        "  GRAPH ?g2 { ?t atmp:testsProduct ?p }\n"
        "  GRAPH ?g3 { ?t a atmp:ClinicalTrial }",
    ),
    Rule(
        "is-atmp-trial",
        "A trial whose registry entry declares an ATMP class (declaredATMPClass) is flagged "
        "isATMPTrial true, unless the registry flag is already stated.",
        f"""INSERT {{ GRAPH <{INFERRED}> {{ ?t atmp:isATMPTrial true }} }}
WHERE {{
  {{ SELECT DISTINCT ?t WHERE {{ GRAPH ?g1 {{ ?t atmp:declaredATMPClass ?class }} }} }}
  GRAPH ?g2 {{ ?t a atmp:ClinicalTrial }}
  FILTER NOT EXISTS {{ GRAPH ?stated {{ ?t atmp:isATMPTrial ?flag }} }}
}}""",
    ),
    Rule(
        "org-type",
        "An organisation without a stated type takes the first that applies: Industry when a "
        "registry records it as the commercial sponsor of a trial; otherwise from its name — "
        "hospital or clinic: Hospital; university, college or institute: Academic; foundation, "
        "association or trust (or the Italian ETS/ONLUS): NonProfit; a company legal form "
        "(GmbH, Ltd, B.V., S.p.A., ...) or pharma/therapeutics: Industry.",
        # One pass over the organisations (five rules, one per type, scanned them five times):
        # the first pattern that matches a name gives its rank, and the best rank over the
        # registry flag and every name wins (a "University Hospital" is a hospital).
        f"""INSERT {{ GRAPH <{INFERRED}> {{ ?o atmp:orgType ?type }} }}
WHERE {{
  {{ SELECT ?o (MIN(?rank) AS ?best) WHERE {{
      {{ GRAPH ?g1 {{ ?t atmp:isCommercialSponsor true }}
        GRAPH ?g2 {{ ?t atmp:hasSponsor ?o }}
        BIND (1 AS ?rank) }}
      UNION
      {{ GRAPH ?g3 {{ ?o a atmp:Organisation }}
        GRAPH ?g4 {{ ?o rdfs:label ?label }}
        BIND (IF(REGEX(?label, "{_HOSPITAL}", "i"), 2,
              IF(REGEX(?label, "{_ACADEMIC}", "i"), 3,
              IF(REGEX(?label, "{_NON_PROFIT}", "i"), 4,
              IF(REGEX(?label, "{_INDUSTRY}", "i"), 5, 0)))) AS ?rank)
        FILTER (?rank > 0) }}
    }} GROUP BY ?o }}
  VALUES (?best ?type) {{
    (1 atmp:Industry) (2 atmp:Hospital) (3 atmp:Academic) (4 atmp:NonProfit) (5 atmp:Industry) }}
  FILTER NOT EXISTS {{ GRAPH ?stated {{ ?o atmp:orgType ?any }} }}
}}""",
    ),
    _defined_class_rule(
        "academic-sponsored-trial",
        "atmp:AcademicSponsoredTrial is defined as a trial with an academic or hospital sponsor.",
        "t",
        "AcademicSponsoredTrial",
        "VALUES ?type { atmp:Academic atmp:Hospital }\n"
        "  GRAPH ?g1 { ?o atmp:orgType ?type }\n"
        "  GRAPH ?g2 { ?t atmp:hasSponsor ?o }\n"
        "  GRAPH ?g3 { ?t a atmp:ClinicalTrial }",
    ),
    Rule(
        "results-due-date",
        "Summary results are due 12 months after the end of the trial (Regulation (EU) No "
        "536/2014 Art. 37; the EU Trials Tracker rule for EudraCT trials). 29 February plus one "
        "year is 28 February, as in xsd date arithmetic.",
        f"""INSERT {{ GRAPH <{INFERRED}> {{ ?t atmp:resultsDueDate ?due }} }}
WHERE {{
  GRAPH ?g1 {{ ?t atmp:endOfTrialDate ?end }}
  FILTER (DATATYPE(?end) = xsd:date)
  FILTER NOT EXISTS {{ GRAPH ?stated {{ ?t atmp:resultsDueDate ?any }} }}
  BIND (SUBSTR(STR(?end), 6) AS ?monthDay)
  BIND (STRDT(CONCAT(STR(YEAR(?end) + 1), "-",
        IF(?monthDay = "02-29", "02-28", ?monthDay)), xsd:date) AS ?due)
}}""",
    ),
)


def materialise(store: Store) -> dict[str, int]:
    """Run every rule in order on `store` (the build's writer); rule name -> triples added.

    Each triple pattern of a rule matches in whichever named graph holds it (`GRAPH ?g`): the
    union of the graphs without naming them, which the embedded store and every server
    evaluate alike (a USING list of every source graph made Oxigraph look each pattern up once
    per graph, and the Oxigraph server refuses USING when its default graph is the union). Each
    rule is one self-contained update, with no answer read back into it, so a writer that
    defers its updates to the commit, as the remote one does, runs the same rules on the data
    it commits (its counts are then those of the data published before). `meta` (PROV, VoID)
    holds nothing a rule matches."""
    counts: dict[str, int] = {}
    for rule in RULES:
        before = store.count(INFERRED)
        store.update(_sent(rule))
        counts[rule.name] = store.count(INFERRED) - before
    return counts


def _sent(rule: Rule) -> str:
    """The update as sent: full IRIs, and the class hierarchy as VALUES."""
    pairs = " ".join(
        f"(<{cls}> <{sup}>)"
        for cls, supers in sorted(_superclasses().items())
        for sup in sorted(supers)
        if sup.startswith(ATMP)
    )
    medicinal = " ".join(
        f"<{cls}>"
        for cls in sorted(
            {MEDICINAL_PRODUCT}
            | {c for c, sups in _superclasses().items() if MEDICINAL_PRODUCT in sups}
        )
    )
    return (
        _full_iris(rule.update)
        .replace("%SUBCLASS_PAIRS%", f"VALUES (?class ?super) {{ {pairs} }}")
        .replace("%MEDICINAL_PRODUCT_CLASSES%", f"VALUES ?class {{ {medicinal} }}")
    )


@cache
def _superclasses() -> dict[str, frozenset[str]]:
    """Every named class of the ontology this code ships with (the one the build loads into the
    `ontology` graph, alignments included) -> its named superclasses, direct or not. Closed
    here rather than by a property path on the server: a writer that defers its updates reads
    the graph as last published, Virtuoso 7.2 refuses `?class rdfs:subClassOf+ ?super` with
    both ends unbound and answered a join of `?p a ?class` with
    `?class rdfs:subClassOf+ atmp:MedicinalProduct` with one row of eighteen."""
    from ontology.model import load_ontology_triples

    direct: dict[str, set[str]] = {}
    for t in load_ontology_triples():
        if t.predicate.value != SUBCLASS_OF:
            continue
        sub, obj = t.subject, t.object
        if isinstance(sub, NamedNode) and isinstance(obj, NamedNode) and sub != obj:
            direct.setdefault(sub.value, set()).add(obj.value)
    closed: dict[str, frozenset[str]] = {}
    for cls in direct:
        seen: set[str] = set()
        todo = list(direct[cls])
        while todo:
            sup = todo.pop()
            if sup not in seen:
                seen.add(sup)
                todo.extend(direct.get(sup, ()))
        closed[cls] = frozenset(seen - {cls})
    return closed


# The remote writer joins its updates into one request, where only the first may carry a
# prologue (the Oxigraph server refuses PREFIX after `;`): the rules are sent, like every other
# update of the build, with full IRIs. Their string literals hold no prefixed names.
_PREFIXED: Final = re.compile(r"(?<![\w<\"])(" + "|".join(PREFIXES) + r"):([A-Za-z_][\w-]*)")


def _full_iris(update: str) -> str:
    return _PREFIXED.sub(lambda m: f"<{PREFIXES[m[1]]}{m[2]}>", update)
