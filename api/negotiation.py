"""Content negotiation and the serialisers of SPARQL results and RDF, shared by every route.

Negotiation is strict: the response has a media type the client accepts, or the request fails
with 406 and the list of what is available. Every negotiated response carries `Vary: Accept`.
A `format` query parameter (a short name such as `ttl`, `json`, `csv` or a full media type)
overrides the Accept header, for links and browsers.

API:
- `Fmt`: the formats; `Offer(media_type, fmt)`; offer lists, best default first:
  `RESULT_OFFERS` (SELECT and ASK), `GRAPH_OFFERS` (CONSTRUCT, DESCRIBE, RDF documents),
  `ENTITY_OFFERS` (RDF + HTML, RDF first), `PAGE_OFFERS` (HTML + RDF, HTML first).
- `choose(request, offers) -> Offer`: 406 (ApiError) when nothing acceptable; 400 for an unknown
  `format` value.
- `serialize_result(result, fmt) -> bytes`: a QueryResult (SelectResult, bool, triples) in any
  format above but HTML (graph_builder.store.formats writes it; TriG/N-Quads here);
  `serialize_quads(quads, fmt)` for a dataset in TriG or N-Quads.
- `media_type(fmt) -> str`: the engine's media type of a format but HTML (what the query workers
  are asked to write).
- `jsonld_document(triples, context_url, prefixes=PREFIXES) -> bytes`: compact-IRI JSON-LD that
  uses a published @context (the context document is `jsonld_context(prefixes)`).
- `rdf_response(body, offer)`: a Response with the offer's media type and `Vary: Accept`.
- `VARY`: the header to add to any other negotiated response.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import pyoxigraph as ox
from fastapi import Request
from fastapi.responses import Response

from api.errors import ApiError
from graph_builder.errors import ParameterError
from graph_builder.namespaces import PREFIXES, RDF, XSD
from graph_builder.store.base import QueryResult, Term
from graph_builder.store.formats import write_result

VARY = {"Vary": "Accept"}


class Fmt(StrEnum):
    JSON = "json"
    XML = "xml"
    CSV = "csv"
    TSV = "tsv"
    TURTLE = "ttl"
    NTRIPLES = "nt"
    JSONLD = "jsonld"
    RDFXML = "rdfxml"
    TRIG = "trig"
    NQUADS = "nq"
    HTML = "html"


@dataclass(frozen=True)
class Offer:
    media_type: str
    fmt: Fmt

    @property
    def content_type(self) -> str:
        # JSON and XML declare their own encoding; text/* defaults to ASCII without a charset.
        if self.media_type.startswith("text/"):
            return f"{self.media_type}; charset=utf-8"
        return self.media_type


RESULT_OFFERS: tuple[Offer, ...] = (
    Offer("application/sparql-results+json", Fmt.JSON),
    Offer("application/sparql-results+xml", Fmt.XML),
    Offer("text/csv", Fmt.CSV),
    Offer("text/tab-separated-values", Fmt.TSV),
    Offer("application/json", Fmt.JSON),
    Offer("application/xml", Fmt.XML),
)
_RDF_OFFERS: tuple[Offer, ...] = (
    Offer("text/turtle", Fmt.TURTLE),
    Offer("application/n-triples", Fmt.NTRIPLES),
    Offer("application/ld+json", Fmt.JSONLD),
    Offer("application/rdf+xml", Fmt.RDFXML),
)
GRAPH_OFFERS: tuple[Offer, ...] = (
    *_RDF_OFFERS,
    Offer("application/trig", Fmt.TRIG),
    Offer("application/n-quads", Fmt.NQUADS),
)
HTML_OFFER = Offer("text/html", Fmt.HTML)
ENTITY_OFFERS: tuple[Offer, ...] = (*_RDF_OFFERS, HTML_OFFER)
PAGE_OFFERS: tuple[Offer, ...] = (HTML_OFFER, *_RDF_OFFERS)

# `format=` short names; a name may stand for a result format and an RDF syntax.
_FORMAT_NAMES: dict[str, frozenset[Fmt]] = {
    "json": frozenset({Fmt.JSON, Fmt.JSONLD}),
    "srj": frozenset({Fmt.JSON}),
    "xml": frozenset({Fmt.XML, Fmt.RDFXML}),
    "srx": frozenset({Fmt.XML}),
    "csv": frozenset({Fmt.CSV}),
    "tsv": frozenset({Fmt.TSV}),
    "ttl": frozenset({Fmt.TURTLE}),
    "turtle": frozenset({Fmt.TURTLE}),
    "nt": frozenset({Fmt.NTRIPLES}),
    "ntriples": frozenset({Fmt.NTRIPLES}),
    "n-triples": frozenset({Fmt.NTRIPLES}),
    "jsonld": frozenset({Fmt.JSONLD}),
    "json-ld": frozenset({Fmt.JSONLD}),
    "rdf": frozenset({Fmt.RDFXML}),
    "rdfxml": frozenset({Fmt.RDFXML}),
    "rdf-xml": frozenset({Fmt.RDFXML}),
    "owl": frozenset({Fmt.RDFXML}),
    "trig": frozenset({Fmt.TRIG}),
    "nq": frozenset({Fmt.NQUADS}),
    "nquads": frozenset({Fmt.NQUADS}),
    "n-quads": frozenset({Fmt.NQUADS}),
    "html": frozenset({Fmt.HTML}),
}


@dataclass(frozen=True)
class _Range:
    type: str
    subtype: str
    q: float

    def specificity(self, media_type: str) -> int:
        """-1 when the range does not cover `media_type`; else 0 (*/*), 1 (type/*), 2 (exact)."""
        t, _, s = media_type.partition("/")
        if self.type == "*":
            return 0
        if self.type != t:
            return -1
        if self.subtype == "*":
            return 1
        return 2 if self.subtype == s else -1


def _parse_accept(header: str) -> list[_Range]:
    ranges = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if "/" not in media:
            if media == "*":  # a lone '*' is sent by some old clients for */*
                media = "*/*"
            else:
                continue
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        t, _, s = media.partition("/")
        ranges.append(_Range(t, s, q))
    return ranges


def _quality(ranges: Sequence[_Range], media_type: str) -> float:
    best, q = -1, 0.0
    for r in ranges:
        spec = r.specificity(media_type)
        if spec > best:
            best, q = spec, r.q
    return q if best >= 0 else 0.0


def _not_acceptable(offers: Sequence[Offer], why: str) -> ApiError:
    available = list(dict.fromkeys(o.media_type for o in offers))
    return ApiError(406, "not_acceptable", why, {"available": available}, VARY)


def choose(request: Request, offers: Sequence[Offer]) -> Offer:
    override = request.query_params.get("format")
    if override:
        return _by_format(override, offers)
    header = request.headers.get("accept", "").strip()
    if not header:
        return offers[0]
    ranges = _parse_accept(header)
    best: Offer | None = None
    best_q = 0.0
    for offer in offers:
        q = _quality(ranges, offer.media_type)
        if q > best_q:
            best, best_q = offer, q
    if best is None:
        raise _not_acceptable(offers, f"none of the accepted media types ({header}) is available")
    return best


def _by_format(value: str, offers: Sequence[Offer]) -> Offer:
    value = value.strip().lower()
    if "/" in value:
        for offer in offers:
            if offer.media_type == value:
                return offer
        raise _not_acceptable(offers, f"format {value} is not available here")
    wanted = _FORMAT_NAMES.get(value)
    if wanted is None:
        raise ApiError(
            400,
            "bad_parameter",
            f"unknown format {value!r}",
            {"known": sorted(_FORMAT_NAMES)},
        )
    for offer in offers:
        if offer.fmt in wanted:
            return offer
    raise _not_acceptable(offers, f"format {value} is not available here")


# --- serialisers -----------------------------------------------------------------------------

# The names graph_builder.store.formats.write_result knows; TriG and N-Quads are added here.
_WRITE_NAMES = {
    Fmt.JSON: "json",
    Fmt.XML: "xml",
    Fmt.CSV: "csv",
    Fmt.TSV: "tsv",
    Fmt.TURTLE: "ttl",
    Fmt.NTRIPLES: "nt",
    Fmt.JSONLD: "jsonld",
    Fmt.RDFXML: "rdf",
}
_DATASET_FORMATS = {Fmt.TRIG: ox.RdfFormat.TRIG, Fmt.NQUADS: ox.RdfFormat.N_QUADS}


_OX_FORMATS: dict[Fmt, ox.QueryResultsFormat | ox.RdfFormat] = {
    Fmt.JSON: ox.QueryResultsFormat.JSON,
    Fmt.XML: ox.QueryResultsFormat.XML,
    Fmt.CSV: ox.QueryResultsFormat.CSV,
    Fmt.TSV: ox.QueryResultsFormat.TSV,
    Fmt.TURTLE: ox.RdfFormat.TURTLE,
    Fmt.NTRIPLES: ox.RdfFormat.N_TRIPLES,
    Fmt.JSONLD: ox.RdfFormat.JSON_LD,
    Fmt.RDFXML: ox.RdfFormat.RDF_XML,
    Fmt.TRIG: ox.RdfFormat.TRIG,
    Fmt.NQUADS: ox.RdfFormat.N_QUADS,
}


def media_type(fmt: Fmt) -> str:
    """The engine's own media type of a results or RDF syntax: how the query workers are told
    which syntax to write (graph_builder.store.guarded)."""
    return _OX_FORMATS[fmt].media_type


def serialize_result(result: QueryResult, fmt: Fmt) -> bytes:
    """A SELECT/ASK answer in a results syntax, a CONSTRUCT/DESCRIBE answer in an RDF syntax
    (TriG and N-Quads hold it as the default graph). A mismatch raises ParameterError."""
    if fmt in _DATASET_FORMATS:
        if not isinstance(result, list):
            raise ParameterError(f"{fmt.value} is an RDF syntax; a SELECT/ASK answer is a table")
        return serialize_quads((ox.Quad(t.subject, t.predicate, t.object) for t in result), fmt)
    out = io.BytesIO()
    write_result(result, out, _WRITE_NAMES[fmt])
    return out.getvalue()


def serialize_quads(quads: Iterable[ox.Quad], fmt: Fmt) -> bytes:
    """A dataset in TriG or N-Quads."""
    out = ox.serialize(quads, format=_DATASET_FORMATS[fmt], prefixes=dict(PREFIXES))
    assert out is not None
    return out


def jsonld_context(prefixes: Mapping[str, str] = PREFIXES) -> dict[str, Any]:
    return {"@context": dict(prefixes)}


def _compact(iri: str, prefixes: Mapping[str, str]) -> str:
    for prefix, ns in prefixes.items():
        local = iri[len(ns) :]
        # A local part with '/' or '#' would not round-trip as a compact IRI.
        if iri.startswith(ns) and local and not any(c in local for c in "/#?"):
            return f"{prefix}:{local}"
    return iri


def _jsonld_value(term: Term, prefixes: Mapping[str, str]) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"@id": term.value}
    if isinstance(term, ox.BlankNode):
        return {"@id": f"_:{term.value}"}
    if term.language:
        return {"@value": term.value, "@language": term.language}
    if term.datatype.value == XSD + "string":
        return {"@value": term.value}
    return {"@value": term.value, "@type": _compact(term.datatype.value, prefixes)}


def jsonld_document(
    triples: Iterable[ox.Triple], context_url: str, prefixes: Mapping[str, str] = PREFIXES
) -> bytes:
    """Node objects keyed by compact IRIs; the published context defines every prefix used."""
    nodes: dict[str, dict[str, Any]] = {}
    for t in triples:
        if isinstance(t.subject, ox.Triple):
            raise ParameterError("JSON-LD here cannot hold RDF-star triple terms")
        sid = t.subject.value if isinstance(t.subject, ox.NamedNode) else f"_:{t.subject.value}"
        node = nodes.setdefault(sid, {"@id": sid})
        if t.predicate.value == RDF + "type" and isinstance(t.object, ox.NamedNode):
            node.setdefault("@type", []).append(_compact(t.object.value, prefixes))
            continue
        key = _compact(t.predicate.value, prefixes)
        node.setdefault(key, []).append(_jsonld_value(t.object, prefixes))  # type: ignore[arg-type]
    doc = {"@context": context_url, "@graph": list(nodes.values())}
    return json.dumps(doc, ensure_ascii=False, indent=1).encode()


def rdf_response(body: bytes, offer: Offer, status: int = 200) -> Response:
    return Response(body, status_code=status, media_type=offer.content_type, headers=VARY)
