"""`/sparql`: the SPARQL 1.1 Protocol (query and update operations).

- GET with `query` (and `default-graph-uri` / `named-graph-uri`), POST with an
  `application/x-www-form-urlencoded` body (`query` or `update`), POST with an
  `application/sparql-query` or `application/sparql-update` body.
- A GET without `query` answers with the SPARQL 1.1 service description (RDF, or a small HTML
  page with a query form for a browser).
- Updates need the bearer token (api.deps.require_update_token); without a configured token the
  endpoint is read-only. Updates see the store's own default graph unless `using-graph-uri`
  gives one; queries see the union of all graphs unless the request or FROM names graphs.
- Bodies must be UTF-8. `SERVICE` (queries) and `LOAD` (updates) are refused.
"""

from __future__ import annotations

from typing import Annotated, Any, Final
from urllib.parse import parse_qsl

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from api.deps import (
    ApiContext,
    ContextDep,
    in_thread,
    require_update_token,
    written_answer,
)
from api.errors import ApiError, error_responses
from api.negotiation import (
    GRAPH_OFFERS,
    HTML_OFFER,
    RESULT_OFFERS,
    VARY,
    Fmt,
    Offer,
    choose,
    rdf_response,
    serialize_result,
)
from api.query_inspection import query_dataset, refuse_outbound, with_protocol_dataset
from api.templating import Links, render
from graph_builder.namespaces import DCT, RDF
from graph_builder.store.bindings import QueryForm, query_form

router = APIRouter(tags=["sparql"], default_response_class=Response)

SD: Final = "http://www.w3.org/ns/sparql-service-description#"
FORMATS: Final = "http://www.w3.org/ns/formats/"
_SERVICE_FORMATS: Final = (
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "N-Triples",
    "JSON-LD",
    "RDF_XML",
    "TriG",
    "N-Quads",
)

FORM: Final = "application/x-www-form-urlencoded"
QUERY_TYPE: Final = "application/sparql-query"
UPDATE_TYPE: Final = "application/sparql-update"

_QUERY_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "SELECT/ASK results or a CONSTRUCT/DESCRIBE graph, as negotiated.",
        "content": {o.media_type: {} for o in (*RESULT_OFFERS, *GRAPH_OFFERS)},
    },
    **error_responses(400, 406, 413, 415, 422, 503, 504),
}
_POST_BODY: Final = {
    "required": True,
    "content": {
        QUERY_TYPE: {"schema": {"type": "string"}, "example": "ASK { ?s ?p ?o }"},
        UPDATE_TYPE: {
            "schema": {"type": "string"},
            "example": "CLEAR GRAPH <http://example.org/g>",
        },
        FORM: {
            "schema": {
                "type": "object",
                "properties": {
                    "query": {"type": "string"},
                    "update": {"type": "string"},
                    "default-graph-uri": {"type": "array", "items": {"type": "string"}},
                    "named-graph-uri": {"type": "array", "items": {"type": "string"}},
                    "using-graph-uri": {"type": "array", "items": {"type": "string"}},
                    "using-named-graph-uri": {"type": "array", "items": {"type": "string"}},
                },
            }
        },
    },
}

_DEFAULT_GRAPH = "A graph of the default graph (repeatable); overrides FROM."
_NAMED_GRAPH = "A graph GRAPH patterns may match (repeatable); overrides FROM NAMED."
FormatParam = Annotated[
    str | None,
    Query(description="Overrides Accept: json, xml, csv, tsv, ttl, nt, jsonld, rdf, trig, nq."),
]


@router.get(
    "/sparql",
    summary="SPARQL query by GET, or the service description",
    responses=_QUERY_RESPONSES,
)
async def sparql_get(
    request: Request,
    ctx: ContextDep,
    query: Annotated[str | None, Query(description="A SPARQL 1.1 query.")] = None,
    default_graph_uri: Annotated[
        list[str], Query(alias="default-graph-uri", description=_DEFAULT_GRAPH)
    ] = [],  # noqa: B006
    named_graph_uri: Annotated[
        list[str], Query(alias="named-graph-uri", description=_NAMED_GRAPH)
    ] = [],  # noqa: B006
    format: FormatParam = None,
) -> Response:
    params = request.query_params
    if "update" in params:
        raise ApiError(400, "bad_request", "an update must be sent with POST, never GET")
    queries = params.getlist("query")
    if not queries:
        return await _service_description(request, ctx)
    if len(queries) > 1:
        raise ApiError(400, "bad_request", "give exactly one 'query' parameter")
    return await answer_query(
        request,
        ctx,
        queries[0],
        params.getlist("default-graph-uri"),
        params.getlist("named-graph-uri"),
    )


@router.post(
    "/sparql",
    summary="SPARQL query or update by POST (form or direct body)",
    responses={
        **_QUERY_RESPONSES,
        204: {"description": "Update applied."},
        **error_responses(401, 403),
    },
    openapi_extra={"requestBody": _POST_BODY},
)
async def sparql_post(request: Request, ctx: ContextDep, format: FormatParam = None) -> Response:
    media, charset = _content_type(request)
    if charset not in ("utf-8", "utf8"):
        raise ApiError(415, "unsupported_media_type", f"the body must be UTF-8, not {charset}")
    body = _utf8(await request.body())
    url = request.query_params
    default_graphs = url.getlist("default-graph-uri")
    named_graphs = url.getlist("named-graph-uri")
    using = url.getlist("using-graph-uri")
    using_named = url.getlist("using-named-graph-uri")
    if media == FORM:
        fields = _form(body)
        queries, updates = fields.get("query", []), fields.get("update", [])
        if len(queries) + len(updates) != 1:
            raise ApiError(400, "bad_request", "give exactly one 'query' or one 'update' field")
        default_graphs += fields.get("default-graph-uri", [])
        named_graphs += fields.get("named-graph-uri", [])
        using += fields.get("using-graph-uri", [])
        using_named += fields.get("using-named-graph-uri", [])
        if queries:
            return await answer_query(request, ctx, queries[0], default_graphs, named_graphs)
        return await _update(request, ctx, updates[0], using, using_named)
    if media == QUERY_TYPE:
        return await answer_query(request, ctx, body, default_graphs, named_graphs)
    if media == UPDATE_TYPE:
        return await _update(request, ctx, body, using, using_named)
    raise ApiError(
        415,
        "unsupported_media_type",
        f"POST a body of type {QUERY_TYPE}, {UPDATE_TYPE} or {FORM}"
        + (f", not {media}" if media else "; the Content-Type header is missing"),
    )


def _content_type(request: Request) -> tuple[str, str]:
    header = request.headers.get("content-type", "")
    media, *params = (part.strip() for part in header.split(";"))
    charset = "utf-8"
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return media.lower(), charset


def _utf8(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(400, "bad_request", f"the body is not valid UTF-8: {exc}") from None


def _form(body: str) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    try:
        pairs = parse_qsl(body, keep_blank_values=True, strict_parsing=False, errors="strict")
    except UnicodeDecodeError as exc:
        raise ApiError(400, "bad_request", f"a form field is not valid UTF-8: {exc}") from None
    for name, value in pairs:
        fields.setdefault(name, []).append(value)
    return fields


async def answer_query(
    request: Request,
    ctx: ApiContext,
    query: str,
    default_graphs: list[str],
    named_graphs: list[str],
) -> Response:
    """Run a read-only query and answer in the negotiated format."""
    # One thread hop for the whole answer: each hop costs about as much as a selective query.
    offer, body = await in_thread(_answer, request, ctx, query, default_graphs, named_graphs)
    return rdf_response(body, offer)


def _answer(
    request: Request,
    ctx: ApiContext,
    query: str,
    default_graphs: list[str],
    named_graphs: list[str],
) -> tuple[Offer, bytes]:
    form, from_graphs, from_named = _inspect(query, ctx.public_url("sparql"))
    offer = choose(request, RESULT_OFFERS if form in ("SELECT", "ASK") else GRAPH_OFFERS)
    if not default_graphs and not named_graphs:
        # The store's default graph is the union of all graphs, which would hide FROM clauses.
        default_graphs, named_graphs = from_graphs, from_named
    body = written_answer(
        ctx,
        with_base(query, ctx),
        offer.fmt,
        default_graphs=default_graphs or None,
        named_graphs=named_graphs or None,
    )
    return offer, body


async def _update(
    request: Request, ctx: ApiContext, update: str, using: list[str], using_named: list[str]
) -> Response:
    require_update_token(request)
    text = await in_thread(_prepare_update, update, using, using_named)
    await in_thread(ctx.store.update, with_base(text, ctx))
    return Response(status_code=204)


def _inspect(query: str, base_iri: str) -> tuple[QueryForm, list[str], list[str]]:
    refuse_outbound(query)
    from_graphs, from_named = query_dataset(query, base_iri)
    return query_form(query), from_graphs, from_named


def _prepare_update(update: str, using: list[str], using_named: list[str]) -> str:
    refuse_outbound(update)
    return with_protocol_dataset(update, using, using_named)


def with_base(text: str, ctx: ApiContext) -> str:
    """Relative IRIs in a request resolve against the endpoint's URL (SPARQL 1.1 Protocol). A
    BASE the request declares itself comes later and wins. Kept on the first line so that the
    line numbers of syntax errors stay those of the request."""
    return f"BASE {NamedNode(ctx.public_url('sparql'))} {text}"


async def _service_description(request: Request, ctx: ApiContext) -> Response:
    offer = choose(request, (*GRAPH_OFFERS, HTML_OFFER))
    if offer.fmt is Fmt.HTML:
        return await render(
            "sparql.html",
            {
                "links": Links(request),
                "endpoint": ctx.public_url("sparql"),
                "updates": ctx.updates_enabled,
                "result_limit": ctx.settings.result_limit,
                "timeout": ctx.settings.query_timeout,
            },
            VARY,
        )
    graphs = await in_thread(ctx.store.graphs)
    body = await in_thread(serialize_result, service_description(ctx, graphs), offer.fmt)
    return rdf_response(body, offer)


def service_description(ctx: ApiContext, graphs: list[str]) -> list[Triple]:
    service = NamedNode(ctx.public_url("sparql") + "#service")

    def sd(local: str) -> NamedNode:
        return NamedNode(SD + local)

    a = NamedNode(RDF + "type")
    triples = [
        Triple(service, a, sd("Service")),
        Triple(service, sd("endpoint"), NamedNode(ctx.public_url("sparql"))),
        Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        Triple(service, sd("feature"), sd("UnionDefaultGraph")),
        Triple(
            service, NamedNode(DCT + "title"), Literal("atmp-kg SPARQL endpoint", language="en")
        ),
    ]
    if ctx.updates_enabled:
        triples.append(Triple(service, sd("supportedLanguage"), sd("SPARQL11Update")))
    triples += [
        Triple(service, sd("resultFormat"), NamedNode(FORMATS + name)) for name in _SERVICE_FORMATS
    ]
    dataset, default_graph = BlankNode(), BlankNode()
    triples += [
        Triple(service, sd("defaultDataset"), dataset),
        Triple(dataset, a, sd("Dataset")),
        Triple(dataset, sd("defaultGraph"), default_graph),
        Triple(default_graph, a, sd("Graph")),
    ]
    for graph in graphs:
        named = BlankNode()
        triples += [
            Triple(dataset, sd("namedGraph"), named),
            Triple(named, a, sd("NamedGraph")),
            Triple(named, sd("name"), NamedNode(graph)),
        ]
    return triples
