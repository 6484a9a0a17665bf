"""An entity's statements and its direct neighbours (both directions) as plain JSON, for the web
page's graph view. Built on the same entity description the `/id/...` pages use."""

from __future__ import annotations

from typing import Final

from pyoxigraph import Literal, NamedNode

from api.entities import EntityDescription
from api.routers.hub_graph import RDF_TYPE, key_of, page_of, to_ref, type_of
from api.routers.hub_models import Entity, GraphEdge, GraphNode, Neighbourhood, PropertyOut
from graph_builder.namespaces import ATMP

DEFAULT_NEIGHBOURS: Final = 40


def neighbourhood(entity: EntityDescription, max_neighbours: int) -> Neighbourhood:
    """At most `max_neighbours` neighbouring nodes (outgoing links first), every edge between
    the entity and them, and every outgoing statement as a property."""
    me = entity.iri
    labels: dict[str, str] = {me: entity.label}
    predicate_labels: dict[str, str] = {}
    edges: dict[tuple[str, str, str], None] = {}
    neighbours: list[str] = []

    def meet(other: str, label: str | None) -> bool:
        if other not in labels:
            if len(neighbours) >= max_neighbours:
                return False
            neighbours.append(other)
            labels[other] = label or key_of(other)
        return True

    truncated = entity.incoming_truncated
    for link, outgoing in [(x, True) for x in entity.outgoing] + [
        (x, False) for x in entity.incoming
    ]:
        p = link.predicate.value
        predicate_labels.setdefault(p, link.predicate_label or key_of(p))
        node = link.node
        if p == RDF_TYPE or not isinstance(node, NamedNode) or node.value == me:
            continue
        if not meet(node.value, link.node_label):
            truncated = True
            continue
        edges[(me, node.value, p) if outgoing else (node.value, me, p)] = None

    properties = []
    for link in sorted(
        entity.outgoing, key=lambda x: (predicate_labels[x.predicate.value].lower(), str(x.node))
    ):
        t = link.node
        ref = to_ref(t.value, link.node_label) if isinstance(t, NamedNode) else None
        properties.append(
            PropertyOut(
                predicate=link.predicate.value,
                predicate_label=predicate_labels[link.predicate.value],
                value=ref.label if ref else t.value,
                ref=ref,
                datatype=t.datatype.value if isinstance(t, Literal) else None,
                language=t.language if isinstance(t, Literal) else None,
            )
        )

    ref = to_ref(me, entity.label)
    return Neighbourhood(
        node=Entity(
            iri=me,
            key=ref.key,
            label=ref.label,
            page=ref.page,
            types=sorted(
                key_of(t.node.value) for t in entity.types if t.node.value.startswith(ATMP)
            ),
            illustrative=entity.is_illustrative,
        ),
        properties=properties,
        nodes=[
            GraphNode(iri=x, label=labels[x], type=type_of(x), page=page_of(x))
            for x in [me, *neighbours]
        ],
        edges=[
            GraphEdge(source=s, target=o, predicate=p, label=predicate_labels[p])
            for s, o, p in edges
        ],
        truncated=truncated,
    )
