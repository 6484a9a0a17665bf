"""Cross-source identity: one node per trial, product and organisation across the source graphs.

Sources mint IRIs from the identifiers they see (ADR 0001), so the same thing read from two
sources often meets by construction. What remains is resolved here, inside the build's writer,
after the source graphs are replaced and before the rules run:

* Trials that share any EudraCT, EU CT or NCT number (a CT.gov secondary id, a CTIS transition
  link `atmp:transitionedTo`) become one node under the canonical key EudraCT > EU CT > NCT.
  A node's identity in a graph is the identifiers that graph gives it, not its IRI, so re-running
  after a partial build undoes merges whose evidence is gone.
* Products named by a trial or a curated file (slug IRIs) are matched to the EMA-numbered product
  by EMA number, then by name, then by INN (normalised); an INN shared by several EMA products is
  ambiguous and only linked with skos:closeMatch.
* Organisations meet on their ROR / OMS id, or on a normalised name (case, punctuation, legal-form
  spelling 'N.V.' = 'NV'; the legal form itself is kept).

Non-canonical IRIs are rewritten in every source graph with SPARQL UPDATE (VALUES of RDF terms),
and `canonical owl:sameAs old` goes to the `inferred` graph so that old IRIs still resolve.
Where merged nodes disagree on a single-valued property (a trial's status or dates, an MA's
status), the value of the graph with the highest precedence is kept (PRECEDENCE); the others are
removed and listed in the report.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from pyoxigraph import Literal, NamedNode

from graph_builder import iris
from graph_builder.namespaces import (
    ATMP,
    GRAPH,
    ID,
    INFERRED,
    OWL,
    SKOS,
    graph_iri,
    sparql_prologue,
)
from graph_builder.sparql import select
from graph_builder.store.base import SelectResult, Store, Term

TRIAL_NS: Final = ID + "trial/"
PRODUCT_NS: Final = ID + "product/"
ORG_NS: Final = ID + "org/"
_EMA_KEY = re.compile(r"^EMEA-[HV]-C-\d{6}$")
_BATCH: Final = 2000

# When graphs disagree on a single-valued property, the first graph in this list that has a value
# wins: curated data, then the EU registers (CTIS supersedes the EU CTR for transitioned trials),
# then the EMA export, then ClinicalTrials.gov.
PRECEDENCE: Final = (
    "reference",
    "ctis",
    "euctr",
    "ema",
    "eudragmdp",
    "hospital_exemption",
    "materials",
    "ctgov",
)
FUNCTIONAL: Final = tuple(
    ATMP + p
    for p in (
        "trialStatus",
        "startDate",
        "endOfTrialDate",
        "primaryCompletionDate",
        "resultsDueDate",
        "isCommercialSponsor",
        "isATMPTrial",
        "status",
        "maType",
        "isCART",
        "cellOrigin",
    )
)


@dataclass(frozen=True)
class Conflict:
    """A value removed because a graph of higher precedence gives another one."""

    node: str
    property: str
    kept: str
    removed: str
    graph: str


@dataclass
class IdentityReport:
    trials_merged: int = 0
    products_merged: int = 0
    organisations_merged: int = 0
    ambiguous_products: int = 0
    same_as_links: int = 0
    conflicts: list[Conflict] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {
            "trials_merged": self.trials_merged,
            "products_merged": self.products_merged,
            "organisations_merged": self.organisations_merged,
            "ambiguous_products": self.ambiguous_products,
            "same_as_links": self.same_as_links,
            "conflicts_resolved": len(self.conflicts),
        }


# Rewrites: graph IRI -> {old IRI -> new IRI}
Rewrites = dict[str, dict[str, str]]


def resolve(store: Store, graphs: Sequence[str]) -> IdentityReport:
    """Merge trials, products and organisations across `graphs` (source graph IRIs) in place."""
    report = IdentityReport()
    if not graphs:
        return report
    same_as: set[tuple[str, str]] = set()

    trials = _trial_plan(store, graphs)
    report.trials_merged = len(
        _apply(store, trials.per_graph) | _apply_everywhere(store, graphs, trials.aliases)
    )
    same_as |= trials.links
    _keep_transition_evidence(store, trials.evidence, graphs)

    products, close = _product_targets(store, graphs)
    report.products_merged = len(_apply_everywhere(store, graphs, products))
    report.ambiguous_products = len({p for p, _ in close})
    same_as |= {(new, old) for old, new in products.items()}

    organisations = _org_targets(store, graphs)
    report.organisations_merged = len(_apply_everywhere(store, graphs, organisations))
    same_as |= {(new, old) for old, new in organisations.items()}

    _insert_links(store, OWL + "sameAs", same_as)
    _insert_links(store, SKOS + "closeMatch", close)
    report.same_as_links = len(same_as)
    report.conflicts = _reconcile_functional(store, graphs)
    return report


# --- helpers over the store ----------------------------------------------------------------


def _in_graphs(graphs: Sequence[str], var: str = "?g") -> str:
    # A FILTER, not a VALUES block: Oxigraph joins a VALUES ?g with another VALUES block by
    # scanning each graph (seconds per hundred rows); a filtered GRAPH ?g uses the indexes.
    return f"FILTER ({var} IN ({', '.join(str(NamedNode(g)) for g in graphs)}))"


def _select(store: Store, query: str, graphs: Sequence[str]) -> SelectResult:
    return select(store, query.replace("%GRAPHS%", _in_graphs(graphs)))


def _value(term: Term | None) -> str:
    return "" if term is None else term.value


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def groups(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = defaultdict(list)
        for x in list(self.parent):
            out[self.find(x)].append(x)
        return out


# --- trials ----------------------------------------------------------------------------------

_ID_PROPERTIES: Final = {
    ATMP + "eudractNumber": "eudract",
    ATMP + "euCtNumber": "euct",
    ATMP + "nctNumber": "nct",
}


def _id_token(key: str) -> str | None:
    if iris.EUCT_RE.match(key):
        return "euct:" + key
    if iris.EUDRACT_RE.match(key):
        return "eudract:" + key
    if iris.NCT_RE.match(key):
        return "nct:" + key
    return None


# (graph, trial IRI, id property, identifier): an identifier a graph states for a merged trial.
Evidence = list[tuple[str, str, str, str]]
_PROPERTY_OF_KIND: Final = {kind: prop for prop, kind in _ID_PROPERTIES.items()}


@dataclass
class _TrialPlan:
    per_graph: Rewrites  # nodes a graph identifies by its own identifiers
    aliases: dict[str, str]  # IRIs minted from a merged trial's other identifiers
    links: set[tuple[str, str]]  # (canonical, alias) for owl:sameAs
    evidence: Evidence


def _trial_plan(store: Store, graphs: Sequence[str]) -> _TrialPlan:
    own: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in _select(
        store,
        """SELECT ?g ?t ?p ?id WHERE { %GRAPHS%
             VALUES ?p { atmp:eudractNumber atmp:euCtNumber atmp:nctNumber }
             GRAPH ?g { ?t ?p ?id } }""",
        graphs,
    ):
        kind = _ID_PROPERTIES[_value(row["p"])]
        own[(_value(row["g"]), _value(row["t"]))].add(f"{kind}:{_value(row['id']).strip()}")
    transitions = [
        (_value(r["g"]), _value(r["a"]), _value(r["b"]))
        for r in _select(
            store,
            "SELECT ?g ?a ?b WHERE { %GRAPHS% GRAPH ?g { ?a atmp:transitionedTo ?b } }",
            graphs,
        )
    ]
    nodes = set(own) | {(g, n) for g, a, b in transitions for n in (a, b)}
    uf = _UnionFind()
    node_token: dict[tuple[str, str], str] = {}
    for graph, iri in sorted(nodes):
        tokens = own.get((graph, iri)) or {_id_token(iri.removeprefix(TRIAL_NS)) or "iri:" + iri}
        first, *rest = sorted(tokens)
        uf.find(first)
        for token in rest:
            uf.union(first, token)
        node_token[(graph, iri)] = first
    for g, a, b in transitions:
        uf.union(node_token[(g, a)], node_token[(g, b)])
    canonical: dict[str, str] = {}
    members_of: dict[str, list[str]] = {}
    for root, members in uf.groups().items():
        canonical[root] = _canonical_trial(members)
        members_of[root] = members
    canonicals = set(canonical.values())
    plan = _TrialPlan(defaultdict(dict), {}, set(), [])
    for (graph, iri), token in node_token.items():
        target = canonical[uf.find(token)]
        if target != iri:
            plan.per_graph[graph][iri] = target
            plan.links.add((target, iri))
    for root, members in members_of.items():
        for token in members:
            kind, _, value = token.partition(":")
            alias = value if kind == "iri" else iris.mint("trial", value).value
            if alias != canonical[root]:
                plan.links.add((canonical[root], alias))
                if alias not in canonicals:
                    plan.aliases[alias] = canonical[root]
    # A transition link inside one merged trial becomes a self-loop and is dropped; the graph
    # keeps what it said as the identifier it linked to, so the next build can merge again.
    for graph, a, b in transitions:
        for iri in (a, b):
            token = node_token[(graph, iri)]
            kind, _, value = token.partition(":")
            if kind != "iri" and not own.get((graph, iri)):
                target = canonical[uf.find(token)]
                plan.evidence.append((graph, target, _PROPERTY_OF_KIND[kind], value))
    return plan


def _canonical_trial(tokens: Iterable[str]) -> str:
    by_kind: dict[str, list[str]] = defaultdict(list)
    for token in tokens:
        kind, _, value = token.partition(":")
        by_kind[kind].append(value)
    for kind in ("eudract", "euct", "nct"):
        if by_kind[kind]:
            return iris.mint("trial", min(by_kind[kind])).value
    return min(by_kind["iri"])


def _keep_transition_evidence(store: Store, evidence: Evidence, graphs: Sequence[str]) -> None:
    if evidence:
        body = " ".join(
            f"GRAPH {NamedNode(g)} {{ {NamedNode(t)} {NamedNode(p)} {Literal(v)} }}"
            for g, t, p, v in sorted(set(evidence))
        )
        store.update(f"INSERT DATA {{ {body} }}")
    for g in graphs:
        store.update(
            sparql_prologue()
            + f"DELETE {{ GRAPH {NamedNode(g)} {{ ?t atmp:transitionedTo ?t }} }} "
            f"WHERE {{ GRAPH {NamedNode(g)} {{ ?t atmp:transitionedTo ?t }} }}"
        )


# --- products --------------------------------------------------------------------------------


def match_key(text: str) -> str:
    """Case, accents, punctuation and trademark signs folded: 'Kymriah®' = 'KYMRIAH'."""
    try:
        return " ".join(iris.slug(text).split("-"))
    except ValueError:
        return ""


def _product_targets(
    store: Store, graphs: Sequence[str]
) -> tuple[dict[str, str], set[tuple[str, str]]]:
    """Product IRI -> the EMA-numbered product it is, and (product, candidate) pairs that are
    ambiguous."""
    rows = _select(
        store,
        """SELECT DISTINCT ?p ?kind ?text WHERE { %GRAPHS%
             GRAPH ?g {
               { ?p rdfs:label ?text BIND("name" AS ?kind) }
               UNION { ?p skos:altLabel ?text BIND("name" AS ?kind) }
               UNION { ?p atmp:inn ?text BIND("inn" AS ?kind) }
               UNION { ?p atmp:hasActiveSubstance/(atmp:inn|rdfs:label) ?text BIND("inn" AS ?kind) }
               UNION { ?p atmp:emaProductNumber ?text BIND("number" AS ?kind) }
               UNION { ?p atmp:hasMarketingAuthorisation ?ma BIND("ma" AS ?kind) BIND("" AS ?text) }
             }
             FILTER (STRSTARTS(STR(?p), "%PREFIX%")) }""".replace("%PREFIX%", PRODUCT_NS),
        graphs,
    )
    facts: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for row in rows:
        facts[_value(row["p"])][_value(row["kind"])].add(_value(row["text"]))
    ema = {p for p in facts if _EMA_KEY.match(p.removeprefix(PRODUCT_NS))}
    by_name: dict[str, set[str]] = defaultdict(set)
    by_inn: dict[str, set[str]] = defaultdict(set)
    for p in ema:
        for name in facts[p]["name"]:
            by_name[match_key(name)].add(p)
        for inn in facts[p]["inn"]:
            by_inn[match_key(inn)].add(p)
    target: dict[str, str] = {}
    close: set[tuple[str, str]] = set()
    for p in sorted(set(facts) - ema):
        f = facts[p]
        numbers = [n.strip() for n in f.get("number", ()) if iris.EMA_NUMBER_RE.match(n.strip())]
        if numbers:
            target[p] = iris.product(min(numbers)).value
            continue
        names = {match_key(t) for t in f.get("name", ())} - {""}
        inns = {match_key(t) for t in f.get("inn", ())} - {""}
        for index, keys in ((by_name, names), (by_inn, names | inns)):
            candidates = set().union(*(index.get(k, set()) for k in keys)) if keys else set()
            chosen = _pick_product(candidates, facts)
            if chosen:
                target[p] = chosen
                break
            if len(candidates) > 1:
                close |= {(p, c) for c in candidates}
                break
    return target, close


def _pick_product(candidates: set[str], facts: Mapping[str, Mapping[str, set[str]]]) -> str | None:
    """The one candidate, or the one candidate that has a marketing authorisation (e.g. the
    authorised Roctavian rather than its withdrawn first application)."""
    if len(candidates) == 1:
        return next(iter(candidates))
    authorised = [c for c in candidates if facts[c].get("ma")]
    return authorised[0] if len(authorised) == 1 else None


# --- organisations ---------------------------------------------------------------------------


def org_key(name: str) -> str:
    """iris.normalise_org_name, with runs of single letters joined: 'N.V.' and 'NV' meet."""
    words = iris.normalise_org_name(name).split()
    out: list[str] = []
    run = ""
    for word in words:
        if len(word) == 1 and word.isalnum():
            run += word
            continue
        if run:
            out.append(run)
            run = ""
        out.append(word)
    if run:
        out.append(run)
    return match_key(" ".join(out))


def _org_targets(store: Store, graphs: Sequence[str]) -> dict[str, str]:
    """Organisation IRI -> the IRI of the organisation it is (its ROR / OMS id, or the curated or
    first spelling of its normalised name)."""
    rows = _select(
        store,
        """SELECT DISTINCT ?g ?o ?kind ?text WHERE { %GRAPHS%
             GRAPH ?g {
               { ?o rdfs:label ?text BIND("name" AS ?kind) }
               UNION { ?o skos:altLabel ?text BIND("name" AS ?kind) }
               UNION { ?o atmp:rorId ?text BIND("ror" AS ?kind) }
               UNION { ?o atmp:omsOrgId ?text BIND("oms" AS ?kind) }
             }
             FILTER (STRSTARTS(STR(?o), "%PREFIX%")) }""".replace("%PREFIX%", ORG_NS),
        graphs,
    )
    facts: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    in_reference: set[str] = set()
    for row in rows:
        o = _value(row["o"])
        facts[o][_value(row["kind"])].add(_value(row["text"]))
        if _value(row["g"]) == graph_iri("reference").value:
            in_reference.add(o)
    uf = _UnionFind()
    id_iri: dict[str, str] = {}
    for o in sorted(facts):
        f = facts[o]
        if f.get("ror"):
            id_iri[o] = iris.org(ror=min(f["ror"])).value
        elif f.get("oms"):
            id_iri[o] = iris.org(oms_org_id=min(f["oms"])).value
        keys = {org_key(n) for n in f.get("name", ())} - {""}
        uf.find("iri:" + o)
        for key in keys:
            uf.union("iri:" + o, "name:" + key)
    target: dict[str, str] = {}
    for members in uf.groups().values():
        orgs = sorted(m[4:] for m in members if m.startswith("iri:"))
        ids = {id_iri[o] for o in orgs if o in id_iri}
        if len(ids) > 1:
            # Two registry ids under one name are two organisations: keep each id's own node.
            for o in orgs:
                if o in id_iri and id_iri[o] != o:
                    target[o] = id_iri[o]
            continue
        if ids:
            canonical = next(iter(ids))
        else:
            curated = [o for o in orgs if o in in_reference]
            canonical = (curated or orgs)[0]
        for o in orgs:
            if o != canonical:
                target[o] = canonical
    return target


# --- writing ---------------------------------------------------------------------------------


def _rewrite(store: Store, graph_pattern: str, pairs: list[tuple[str, str]]) -> None:
    """Rewrite old -> new IRIs in subject and object positions of the graphs `graph_pattern`
    admits (a FILTER on ?g)."""
    for start in range(0, len(pairs), _BATCH):
        rows = " ".join(
            f"({NamedNode(old)} {NamedNode(new)})" for old, new in pairs[start : start + _BATCH]
        )
        store.update(
            f"DELETE {{ GRAPH ?g {{ ?old ?p ?o }} }} INSERT {{ GRAPH ?g {{ ?new ?p ?o }} }} "
            f"WHERE {{ {graph_pattern} VALUES (?old ?new) {{ {rows} }} GRAPH ?g {{ ?old ?p ?o }} }}"
            " ;\n"
            f"DELETE {{ GRAPH ?g {{ ?s ?p ?old }} }} INSERT {{ GRAPH ?g {{ ?s ?p ?new }} }} "
            f"WHERE {{ {graph_pattern} VALUES (?old ?new) {{ {rows} }} GRAPH ?g {{ ?s ?p ?old }} }}"
        )


def _apply(store: Store, rewrites: Rewrites) -> set[str]:
    """Rewrite per graph; returns the IRIs rewritten."""
    for graph, mapping in sorted(rewrites.items()):
        _rewrite(store, _in_graphs([graph]), sorted(mapping.items()))
    return {old for mapping in rewrites.values() for old in mapping}


def _apply_everywhere(store: Store, graphs: Sequence[str], mapping: Mapping[str, str]) -> set[str]:
    """Rewrite in every source graph (index lookups on the old IRIs: no scan); returns the IRIs
    that were there to rewrite."""
    if not mapping:
        return set()
    olds = sorted(mapping)
    present: set[str] = set()
    for start in range(0, len(olds), _BATCH):
        batch = " ".join(str(NamedNode(o)) for o in olds[start : start + _BATCH])
        rows = _select(
            store,
            f"""SELECT DISTINCT ?old WHERE {{ %GRAPHS% VALUES ?old {{ {batch} }}
                  GRAPH ?g {{ {{ ?old ?p ?o }} UNION {{ ?s ?p ?old }} }} }}""",
            graphs,
        )
        present |= {_value(r["old"]) for r in rows}
    _rewrite(store, _in_graphs(graphs), sorted((o, mapping[o]) for o in present))
    return present


def _insert_links(store: Store, predicate: str, pairs: set[tuple[str, str]]) -> None:
    ordered = sorted(pairs)
    p = NamedNode(predicate)
    for start in range(0, len(ordered), _BATCH):
        body = " ".join(
            f"{NamedNode(a)} {p} {NamedNode(b)} ." for a, b in ordered[start : start + _BATCH]
        )
        store.update(f"INSERT DATA {{ GRAPH {NamedNode(INFERRED)} {{ {body} }} }}")


def _reconcile_functional(store: Store, graphs: Sequence[str]) -> list[Conflict]:
    """Keep one value of a single-valued property per node: the one of the highest-precedence
    graph that gives a value. Two values from one graph are left for the validation gate."""
    props = " ".join(str(NamedNode(p)) for p in FUNCTIONAL)
    rows = _select(
        store,
        f"""SELECT ?s ?p ?o ?g WHERE {{ %GRAPHS%
              VALUES ?p {{ {props} }}
              GRAPH ?g {{ ?s ?p ?o }}
              {{ SELECT ?s ?p WHERE {{ %GRAPHS% VALUES ?p {{ {props} }} GRAPH ?g {{ ?s ?p ?x }} }}
                GROUP BY ?s ?p HAVING (COUNT(DISTINCT ?x) > 1) }} }}""",
        graphs,
    )
    values: dict[tuple[str, str], list[tuple[int, str, Term]]] = defaultdict(list)
    for row in rows:
        graph = _value(row["g"])
        rank = _rank(graph)
        values[(_value(row["s"]), _value(row["p"]))].append((rank, graph, row["o"]))
    conflicts: list[Conflict] = []
    deletions: list[tuple[str, str, Term, str]] = []
    for (s, p), found in sorted(values.items()):
        best_rank = min(rank for rank, _, _ in found)
        kept = {o for rank, _, o in found if rank == best_rank}
        if len(kept) > 1:
            continue
        keep = next(iter(kept))
        for rank, graph, o in found:
            if rank != best_rank and o != keep:
                deletions.append((s, p, o, graph))
                conflicts.append(Conflict(s, p, str(keep), str(o), graph))
    for start in range(0, len(deletions), _BATCH):
        body = " ".join(
            f"GRAPH {NamedNode(g)} {{ {NamedNode(s)} {NamedNode(p)} {o} }}"
            for s, p, o, g in deletions[start : start + _BATCH]
        )
        store.update(f"DELETE DATA {{ {body} }}")
    return conflicts


def _rank(graph: str) -> int:
    graph_id = graph[len(GRAPH) :] if graph.startswith(GRAPH) else graph
    return PRECEDENCE.index(graph_id) if graph_id in PRECEDENCE else len(PRECEDENCE)


__all__ = ["PRECEDENCE", "Conflict", "IdentityReport", "match_key", "org_key", "resolve"]
