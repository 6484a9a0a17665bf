"""Graph analytics with networkx over projections of the store: supply-chain single points of
failure, supplier and facility centrality, the sponsor collaboration network, and the shortest
explanation path between a product and a facility.

Interface contract (the CLI `atmp-kg analyze` and the API build on these; keep them stable):

- `ANALYSES: dict[str, Analysis]` — every analysis by name; `Analysis(name, summary,
  parameters: tuple[str, ...], run)`.
- `run_analysis(store, name, params: Mapping[str, str] | None = None) -> Table` — raises
  `NotFound` for an unknown name and `ParameterError` naming a missing or bad parameter.
- `Table(columns: list[str], rows: list[dict[str, Cell]])` with `Cell = str | int | float |
  bool | None`; rows are sorted (the sort is part of each analysis' contract).
- The analyses, callable directly: `single_supplier_materials(store)`,
  `supplier_centrality(store)`, `facility_centrality(store, on=None)`,
  `sponsor_network(store)`, `explanation_path(store, product, facility)` (IRIs).

Projections are fetched with simple SPARQL SELECTs (pyoxigraph does the joins) and built into
networkx graphs in memory; the explanation path instead searches from both ends, reading only
the two neighbourhoods. Nothing is written back to the store.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import combinations
from typing import Final, TypeAlias

import networkx as nx
from pyoxigraph import NamedNode

from graph_builder import iris
from graph_builder.errors import NotFound, ParameterError
from graph_builder.manufacturability import (
    MATERIAL_SUPPLY,
    assess,
    is_donor_sourced,
    supplied_at_grade,
)
from graph_builder.namespaces import ATMP, ID, RDF
from graph_builder.sparql import cell, select
from graph_builder.store.base import Store

Cell: TypeAlias = str | int | float | bool | None


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[dict[str, Cell]] = field(default_factory=list)


@dataclass(frozen=True)
class Analysis:
    name: str
    summary: str
    parameters: tuple[str, ...]
    run: Callable[[Store, Mapping[str, str]], Table]


def _short(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


_LABELS: Final = """
SELECT ?node (MIN(STR(?label)) AS ?name) WHERE {
  VALUES ?node { %s }
  ?node rdfs:label|atmp:title|atmp:miaNumber|atmp:certificateNumber ?label
} GROUP BY ?node"""
_VALUES_CHUNK: Final = 500


def _labels(store: Store, nodes: Iterable[str]) -> dict[str, str]:
    """Labels of the given nodes only (a store-wide label scan costs seconds at 1M triples).
    The VALUES rows are pyoxigraph's serialisation of checked IRIs, as in store.bindings."""
    wanted = sorted({NamedNode(n) for n in nodes}, key=str)
    labels: dict[str, str] = {}
    for i in range(0, len(wanted), _VALUES_CHUNK):
        rows = " ".join(str(n) for n in wanted[i : i + _VALUES_CHUNK])
        for r in select(store, _LABELS % rows):
            if "name" in r:
                labels[r["node"].value] = r["name"].value
    return labels


# --- the supply graph: product - material - supplier -----------------------------------------

_SUPPLY: Final = (
    "SELECT DISTINCT ?product ?material ?supplier ?grade ?starting ?consumable ?donor WHERE {"
    + MATERIAL_SUPPLY
    + "}"
)


def supply_graph(store: Store) -> nx.Graph:
    """Products, the materials their processes use, and the suppliers of each material at a
    qualifying grade (the manufacturability rule); nodes carry `kind`. Materials procured from
    the patient or donor are left out: nobody supplies them."""
    graph = nx.Graph()
    for row in select(store, _SUPPLY):
        if is_donor_sourced(row):
            continue
        product, material = row["product"].value, row["material"].value
        graph.add_node(product, kind="product")
        graph.add_node(material, kind="material")
        graph.add_edge(product, material)
        if supplied_at_grade(row):
            supplier = row["supplier"].value
            graph.add_node(supplier, kind="supplier")
            graph.add_edge(material, supplier)
    return graph


EXACT_BETWEENNESS_NODES: Final = 300


def _betweenness(graph: nx.Graph) -> dict[str, float]:
    """Normalised betweenness; exact up to EXACT_BETWEENNESS_NODES nodes, above that estimated
    from that many source nodes drawn with a fixed seed (exact is O(nodes x edges): 35 s for a
    760-node, 21k-edge site-capability graph), so the same graph gives the same numbers."""
    if len(graph) <= 2:
        return {}
    if len(graph) <= EXACT_BETWEENNESS_NODES:
        return dict(nx.betweenness_centrality(graph, normalized=True))
    return dict(
        nx.betweenness_centrality(graph, k=EXACT_BETWEENNESS_NODES, normalized=True, seed=0)
    )


def _of_kind(graph: nx.Graph, node: str, kind: str) -> list[str]:
    return sorted(n for n in graph.neighbors(node) if graph.nodes[n]["kind"] == kind)


def single_supplier_materials(store: Store) -> Table:
    """Materials with at most one qualified supplier, and the products exposed to them; sorted
    by supplier count, then products exposed (most first), then material."""
    graph = supply_graph(store)
    labels = _labels(store, graph.nodes)
    rows: list[dict[str, Cell]] = []
    for material, data in graph.nodes(data=True):
        if data["kind"] != "material":
            continue
        suppliers = _of_kind(graph, material, "supplier")
        if len(suppliers) > 1:
            continue
        products = _of_kind(graph, material, "product")
        rows.append(
            {
                "material": material,
                "materialLabel": labels.get(material, _short(material)),
                "suppliers": len(suppliers),
                "supplier": labels.get(suppliers[0], suppliers[0]) if suppliers else None,
                "productsExposed": len(products),
                "products": "; ".join(sorted(labels.get(p, _short(p)) for p in products)),
            }
        )
    rows.sort(key=lambda r: (r["suppliers"], -int(r["productsExposed"] or 0), r["material"]))
    columns = ["material", "materialLabel", "suppliers", "supplier", "productsExposed", "products"]
    return Table(columns, rows)


def supplier_centrality(store: Store) -> Table:
    """Suppliers by betweenness centrality in the product-material-supplier graph, with the
    materials they supply, the products that depend on them and the materials for which they
    are the only qualified supplier."""
    graph = supply_graph(store)
    labels = _labels(store, (n for n, d in graph.nodes(data=True) if d["kind"] == "supplier"))
    betweenness = _betweenness(graph)
    rows: list[dict[str, Cell]] = []
    for supplier, data in graph.nodes(data=True):
        if data["kind"] != "supplier":
            continue
        materials = _of_kind(graph, supplier, "material")
        products = {p for m in materials for p in _of_kind(graph, m, "product")}
        sole = [m for m in materials if len(_of_kind(graph, m, "supplier")) == 1]
        rows.append(
            {
                "supplier": supplier,
                "supplierLabel": labels.get(supplier, _short(supplier)),
                "materials": len(materials),
                "productsDependent": len(products),
                "soleSupplierOf": len(sole),
                "betweenness": round(betweenness.get(supplier, 0.0), 6),
            }
        )
    rows.sort(
        key=lambda r: (-float(r["betweenness"] or 0), -int(r["soleSupplierOf"] or 0), r["supplier"])
    )
    columns = [
        "supplier",
        "supplierLabel",
        "materials",
        "productsDependent",
        "soleSupplierOf",
        "betweenness",
    ]
    return Table(columns, rows)


# --- facilities: site - capability - product -------------------------------------------------

_CAPABILITIES: Final = """
SELECT DISTINCT ?node ?capability ?kind WHERE {
  { ?node a atmp:ManufacturingSite . OPTIONAL { ?node atmp:hasCapability ?capability }
    BIND ("site" AS ?kind) }
  UNION { ?node atmp:hasProcess/atmp:hasStep?/atmp:requiresCapability ?capability
          BIND ("product" AS ?kind) }
}"""


def facility_centrality(store: Store, on: date | None = None) -> Table:
    """Sites in the site-capability-product graph (a site links to its capabilities, a product
    to the capabilities its process requires): the capabilities held, the products the site can
    make on `on` (manufacturability), and its betweenness and degree centrality."""
    graph = nx.Graph()
    for row in select(store, _CAPABILITIES):
        node, kind = row["node"].value, row["kind"].value
        graph.add_node(node, kind=kind)
        if (capability := cell(row, "capability")) is not None:
            graph.add_node(capability, kind="capability")
            graph.add_edge(node, capability)
    can_make: dict[str, int] = defaultdict(int)
    for a in assess(store, on=on):
        if a.can_make:
            can_make[a.facility.iri] += 1
    labels = _labels(store, (n for n, d in graph.nodes(data=True) if d["kind"] == "site"))
    betweenness = _betweenness(graph)
    degree = nx.degree_centrality(graph) if len(graph) > 1 else {}
    rows: list[dict[str, Cell]] = [
        {
            "site": site,
            "siteLabel": labels.get(site, _short(site)),
            "capabilities": graph.degree(site),
            "productsItCanMake": can_make.get(site, 0),
            "betweenness": round(betweenness.get(site, 0.0), 6),
            "degreeCentrality": round(degree.get(site, 0.0), 6),
        }
        for site, data in graph.nodes(data=True)
        if data["kind"] == "site"
    ]
    rows.sort(
        key=lambda r: (-int(r["productsItCanMake"] or 0), -float(r["betweenness"] or 0), r["site"])
    )
    columns = [
        "site",
        "siteLabel",
        "capabilities",
        "productsItCanMake",
        "betweenness",
        "degreeCentrality",
    ]
    return Table(columns, rows)


# --- sponsors --------------------------------------------------------------------------------

_SPONSORSHIP: Final = """
SELECT DISTINCT ?trial ?sponsor ?product WHERE {
  ?trial atmp:hasSponsor ?sponsor .
  OPTIONAL { ?trial atmp:testsProduct ?product }
}"""


def sponsor_network(store: Store) -> Table:
    """The sponsor collaboration network: two sponsors are linked when they sponsor the same
    trial or trials of the same product; one row per link with the shared trials and products,
    its weight (their sum) and the connected component; heaviest links first."""
    trials: dict[str, set[str]] = defaultdict(set)
    products: dict[str, set[str]] = defaultdict(set)
    for row in select(store, _SPONSORSHIP):
        sponsor = row["sponsor"].value
        trials[row["trial"].value].add(sponsor)
        if (product := cell(row, "product")) is not None:
            products[product].add(sponsor)
    graph = nx.Graph()
    graph.add_nodes_from(s for sponsors in trials.values() for s in sponsors)
    for key, groups in (("sharedTrials", trials), ("sharedProducts", products)):
        for sponsors in groups.values():
            for a, b in combinations(sorted(sponsors), 2):
                if not graph.has_edge(a, b):
                    graph.add_edge(a, b, sharedTrials=0, sharedProducts=0)
                graph.edges[a, b][key] += 1
    component = {
        node: i
        for i, nodes in enumerate(sorted(nx.connected_components(graph), key=min))
        for node in nodes
    }
    labels = _labels(store, {n for edge in graph.edges for n in edge})
    rows: list[dict[str, Cell]] = []
    for a, b, data in graph.edges(data=True):
        first, second = sorted((a, b))
        rows.append(
            {
                "sponsor": first,
                "sponsorLabel": labels.get(first, _short(first)),
                "partner": second,
                "partnerLabel": labels.get(second, _short(second)),
                "sharedTrials": data["sharedTrials"],
                "sharedProducts": data["sharedProducts"],
                "weight": data["sharedTrials"] + data["sharedProducts"],
                "component": component[first],
            }
        )
    rows.sort(key=lambda r: (-int(r["weight"] or 0), r["sponsor"], r["partner"]))
    columns = [
        "sponsor",
        "sponsorLabel",
        "partner",
        "partnerLabel",
        "sharedTrials",
        "sharedProducts",
        "weight",
        "component",
    ]
    return Table(columns, rows)


# --- explanation path ------------------------------------------------------------------------

_NEIGHBOURS: Final = f"""
SELECT ?node ?p ?other ?forward WHERE {{
  VALUES ?node {{ %s }}
  {{ ?node ?p ?other BIND (true AS ?forward) }} UNION {{ ?other ?p ?node BIND (false AS ?forward) }}
  FILTER (isIRI(?other) && ?p != rdf:type && STRSTARTS(STR(?other), "{ID}")
          && !STRSTARTS(STR(?other), "{ID}record/") && !STRSTARTS(STR(?other), "{ID}assessment/"))
}}"""
MAX_HOPS: Final = 8


@dataclass(frozen=True)
class _Reached:
    """How a node was reached in the search: from `parent` over `predicate`, the triple being
    parent -> node when `forward`, node -> parent otherwise; `depth` hops from the start."""

    parent: str | None
    predicate: str
    forward: bool
    depth: int


def _neighbours(store: Store, nodes: Sequence[str]) -> list[tuple[str, str, str, bool]]:
    """(node, predicate, other, forward) for every instance linked to one of `nodes`, in either
    direction. Provenance records and manufacturability assessments are left out: an assessment
    links every product to every site and explains nothing. The VALUES rows are pyoxigraph's
    serialisation of checked IRIs, as in store.bindings."""
    found: list[tuple[str, str, str, bool]] = []
    for i in range(0, len(nodes), _VALUES_CHUNK):
        rows = " ".join(str(NamedNode(n)) for n in nodes[i : i + _VALUES_CHUNK])
        for r in select(store, _NEIGHBOURS % rows):
            found.append(
                (r["node"].value, r["p"].value, r["other"].value, r["forward"].value == "true")
            )
    return sorted(found)


def _shortest_path(store: Store, source: str, target: str) -> list[tuple[str, str, str, bool]]:
    """The steps (from, predicate, to, forward) of a shortest path, found by a breadth-first
    search from both ends that asks the store for the neighbours of one level at a time, so only
    the neighbourhoods of the two nodes are read. Ties go to the smallest IRIs."""
    reached: tuple[dict[str, _Reached], dict[str, _Reached]] = (
        {source: _Reached(None, "", True, 0)},
        {target: _Reached(None, "", True, 0)},
    )
    frontiers = ([source], [target])
    for _ in range(MAX_HOPS):
        side = 0 if len(frontiers[0]) <= len(frontiers[1]) else 1
        if not frontiers[side]:
            break
        seen, other_side = reached[side], reached[1 - side]
        next_frontier: list[str] = []
        meetings: list[tuple[int, str]] = []
        for node, predicate, other, forward in _neighbours(store, frontiers[side]):
            if other in seen:
                continue
            seen[other] = _Reached(node, predicate, forward, seen[node].depth + 1)
            next_frontier.append(other)
            if other in other_side:
                meetings.append((seen[other].depth + other_side[other].depth, other))
        if meetings:
            return _steps(reached, min(meetings)[1])
        frontiers = (next_frontier, frontiers[1]) if side == 0 else (frontiers[0], next_frontier)
    return []


def _steps(
    reached: tuple[dict[str, _Reached], dict[str, _Reached]], meeting: str
) -> list[tuple[str, str, str, bool]]:
    to_source: list[tuple[str, str, str, bool]] = []
    node = meeting
    while (r := reached[0][node]).parent is not None:
        to_source.append((r.parent, r.predicate, node, r.forward))
        node = r.parent
    steps = list(reversed(to_source))
    node = meeting
    while (r := reached[1][node]).parent is not None:
        # Reached from the target's side: walking towards the target reverses the direction.
        steps.append((node, r.predicate, r.parent, not r.forward))
        node = r.parent
    return steps


def explanation_path(store: Store, product: str, facility: str) -> Table:
    """The shortest chain of facts linking a product and a facility (e.g. product -> process
    step -> required capability <- site), one row per step; NotFound if none links them within
    MAX_HOPS."""
    for node, what in ((product, "product"), (facility, "facility")):
        if not _neighbours(store, [node]):
            raise NotFound(f"{what} {node} has no links in the graph")
    steps = _shortest_path(store, product, facility)
    if not steps:
        raise NotFound(f"nothing links {product} and {facility} within {MAX_HOPS} steps")
    labels = _labels(store, {n for a, _, b, _ in steps for n in (a, b)})
    rows: list[dict[str, Cell]] = [
        {
            "step": i,
            "from": a,
            "fromLabel": labels.get(a, _short(a)),
            "predicate": _curie(predicate),
            "direction": "->" if forward else "<-",
            "to": b,
            "toLabel": labels.get(b, _short(b)),
        }
        for i, (a, predicate, b, forward) in enumerate(steps, start=1)
    ]
    return Table(["step", "from", "fromLabel", "predicate", "direction", "to", "toLabel"], rows)


def _curie(iri: str) -> str:
    for prefix, namespace in (("atmp", ATMP), ("rdf", RDF)):
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


# --- registry --------------------------------------------------------------------------------


def _required(params: Mapping[str, str], name: str) -> str:
    value = (params.get(name) or "").strip()
    if not value:
        raise ParameterError(f"parameter {name} is required")
    return value


def _instance(params: Mapping[str, str], name: str, type_segment: str) -> str:
    """An IRI given in full, or the key of an instance of `type_segment`."""
    value = _required(params, name)
    try:
        if value.startswith(("http://", "https://")):
            return NamedNode(value).value
        return iris.mint(type_segment, value).value
    except ValueError as exc:
        raise ParameterError(f"parameter {name}: {exc}") from None


def _on(params: Mapping[str, str]) -> date | None:
    value = (params.get("on") or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ParameterError(f"parameter on: {value!r} is not a date (YYYY-MM-DD)") from None


def _only(*names: str) -> Callable[[Mapping[str, str]], None]:
    def check(params: Mapping[str, str]) -> None:
        unknown = sorted(set(params) - set(names))
        if unknown:
            known = ", ".join(names) or "none"
            raise ParameterError(f"unknown parameter {unknown[0]!r} (known: {known})")

    return check


def _analysis(
    name: str,
    summary: str,
    parameters: Iterable[str],
    run: Callable[[Store, Mapping[str, str]], Table],
) -> Analysis:
    names = tuple(parameters)
    check = _only(*names)

    def checked(store: Store, params: Mapping[str, str]) -> Table:
        check(params)
        return run(store, params)

    return Analysis(name, summary, names, checked)


ANALYSES: Final[dict[str, Analysis]] = {
    a.name: a
    for a in (
        _analysis(
            "single_supplier_materials",
            "Materials with at most one qualified supplier and the products exposed to them.",
            (),
            lambda store, _: single_supplier_materials(store),
        ),
        _analysis(
            "supplier_centrality",
            "Suppliers by betweenness in the product-material-supplier graph.",
            (),
            lambda store, _: supplier_centrality(store),
        ),
        _analysis(
            "facility_centrality",
            "Sites by products they can make and centrality in the site-capability graph.",
            ("on",),
            lambda store, params: facility_centrality(store, _on(params)),
        ),
        _analysis(
            "sponsor_network",
            "Links between trial sponsors sharing trials or products.",
            (),
            lambda store, _: sponsor_network(store),
        ),
        _analysis(
            "explanation_path",
            "The shortest chain of facts between a product and a facility.",
            ("product", "facility"),
            lambda store, params: explanation_path(
                store,
                _instance(params, "product", "product"),
                _instance(params, "facility", "site"),
            ),
        ),
    )
}


def run_analysis(store: Store, name: str, params: Mapping[str, str] | None = None) -> Table:
    if name not in ANALYSES:
        raise NotFound(f"no analysis {name!r}; known: {', '.join(ANALYSES)}")
    return ANALYSES[name].run(store, params or {})
