"""Live answers of the manufacturability queries (`live: on` in their header): when the `on`
date is given, `graph_builder.manufacturability.assess` computes the answer for that date and it
is returned with the columns and the order of the query's materialised answer."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import TYPE_CHECKING, Final

from pyoxigraph import Literal, NamedNode

from graph_builder.errors import QuerySyntaxError
from graph_builder.literals import boolean_literal, date_literal
from graph_builder.manufacturability import EXPLANATION_SEPARATOR, Assessment, assess
from graph_builder.namespaces import sparql_prologue
from graph_builder.store.base import SelectResult, Store, Term

if TYPE_CHECKING:
    from queries.catalogue import NamedQuery

Row = dict[str, Term]
_COMMON: Final = [
    "canManufacture",
    "certificateValid",
    "missingCapabilities",
    "missingOperations",
    "missingMaterials",
    "explanation",
    "assessedOn",
]
COLUMNS: Final[dict[str, list[str]]] = {
    "facilities_for_product": ["site", "siteLabel", *_COMMON],
    "products_for_facility": ["product", "productLabel", *_COMMON],
    "why_not": ["site", "siteLabel", "product", "productLabel", *_COMMON],
}


def row(a: Assessment) -> Row:
    """Every column any of the queries has, for one assessment."""
    return {
        "site": NamedNode(a.facility.iri),
        "siteLabel": Literal(a.facility.label),
        "product": NamedNode(a.product.iri),
        "productLabel": Literal(a.product.label),
        "canManufacture": boolean_literal(a.can_make),
        "certificateValid": boolean_literal(a.certificate_valid),
        "missingCapabilities": Literal("; ".join(r.label for r in a.missing_capabilities)),
        "missingOperations": Literal("; ".join(r.label for r in a.missing_operations)),
        "missingMaterials": Literal("; ".join(r.label for r in a.missing_materials)),
        "explanation": Literal(EXPLANATION_SEPARATOR.join(a.reasons)),
        "assessedOn": date_literal(a.on),
    }


# The ORDER BY of each query, in Python.
_ORDER: Final[dict[str, Callable[[Assessment], tuple[object, ...]]]] = {
    "facilities_for_product": lambda a: (not a.can_make, a.facility.label, a.facility.iri),
    "products_for_facility": lambda a: (not a.can_make, a.product.label, a.product.iri),
    "why_not": lambda a: (a.facility.iri, a.product.iri),
}

_SITES_IN_COUNTRY: Final = "SELECT ?site WHERE { ?site atmp:country ?country }"


def run_live(
    query: NamedQuery,
    store: Store,
    terms: Mapping[str, Term],
    *,
    limit: int | None,
    offset: int,
) -> SelectResult:
    if query.id not in COLUMNS:
        raise QuerySyntaxError(f"query {query.id} has no live answer")
    on = date.fromisoformat(terms["on"].value)
    product, site = terms.get("product"), terms.get("site")
    answers = assess(
        store,
        on=on,
        product=None if product is None else product.value,
        site=None if site is None else site.value,
    )
    if (can_make := terms.get("can_make")) is not None:
        wanted = can_make.value == "true"
        answers = [a for a in answers if a.can_make == wanted]
    if (country := terms.get("country")) is not None:
        found = store.query(sparql_prologue() + _SITES_IN_COUNTRY, {"country": country})
        assert isinstance(found, SelectResult)
        in_country = {r["site"].value for r in found}
        answers = [a for a in answers if a.facility.iri in in_country]
    answers.sort(key=_ORDER[query.id])
    page = answers[offset : None if limit is None else offset + limit]
    columns = COLUMNS[query.id]
    rows = (row(a) for a in page)
    return SelectResult(columns, [{c: r[c] for c in columns} for r in rows])
