"""`/id/{path}`: every instance IRI dereferences here, with content negotiation (Turtle,
N-Triples, JSON-LD, RDF/XML, HTML); `/context.jsonld`: the JSON-LD context the entity documents
use.

The path after `/id/` is appended, exactly as sent (percent-encoding kept), to the canonical
base `https://w3id.org/atmp-kg/id/`, whatever public base the server runs under.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse, Response

from api.deps import ContextDep
from api.entities import INCOMING_LIMIT, EntityDescription, describe, describe_then
from api.errors import error_responses
from api.negotiation import (
    ENTITY_OFFERS,
    VARY,
    Fmt,
    Offer,
    choose,
    jsonld_context,
    jsonld_document,
    rdf_response,
    serialize_result,
)
from api.templating import Links, render
from graph_builder.namespaces import ID

router = APIRouter(tags=["linked data"], default_response_class=Response)

_FORMAT_NAMES: Final = {
    Fmt.TURTLE: "Turtle",
    Fmt.NTRIPLES: "N-Triples",
    Fmt.JSONLD: "JSON-LD",
    Fmt.RDFXML: "RDF/XML",
}
_ENTITY_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The entity: its statements, incoming links and provenance.",
        "content": {o.media_type: {} for o in ENTITY_OFFERS},
    },
    **error_responses(400, 404, 406, 503, 504),
}


@router.get(
    "/context.jsonld",
    summary="The JSON-LD context of the entity documents",
    operation_id="get_jsonld_context",
    response_class=JSONResponse,
    responses={200: {"content": {"application/ld+json": {}}, "description": "The context."}},
)
async def context_document() -> JSONResponse:
    return JSONResponse(
        jsonld_context(),
        media_type="application/ld+json",
        headers={"Cache-Control": "public, max-age=86400"},
    )


@router.get(
    "/id/{path:path}",
    summary="Dereference an instance IRI",
    operation_id="get_entity",
    responses=_ENTITY_RESPONSES,
)
async def entity(
    request: Request,
    ctx: ContextDep,
    path: Annotated[
        str, Path(description="`<type>/<key>` of the IRI, e.g. `product/EMEA-H-C-004090`.")
    ],
    format: str | None = None,
) -> Response:
    offer = choose(request, ENTITY_OFFERS)
    raw = _raw_path(request, path)
    if offer.fmt is Fmt.HTML:
        found = await describe(ctx, ID + raw, records=True)
        return await render(
            "entity.html",
            {
                "links": Links(request),
                "entity": found,
                "formats": _alternates(Links(request).path("id/" + raw)),
                "incoming_limit": INCOMING_LIMIT,
            },
            VARY,
        )
    # The RDF documents hold the statements only: no labels of linked nodes, no records.
    context_url = ctx.public_url("context.jsonld")
    body = await describe_then(
        ctx, ID + raw, lambda found: _rdf(found, offer, context_url), labels=False
    )
    return rdf_response(body, offer)


router.add_api_route(
    "/id/{path:path}",
    entity,
    methods=["HEAD"],
    operation_id="head_entity",
    include_in_schema=False,
)


def _raw_path(request: Request, decoded: str) -> str:
    """The path after /id/ as the client wrote it, so percent-encoded IRI keys stay as minted."""
    raw = request.scope.get("raw_path")
    if isinstance(raw, bytes):
        text = raw.decode("latin-1")
        marker = text.find("/id/")
        if marker >= 0:
            return text[marker + len("/id/") :]
    return decoded


def _rdf(found: EntityDescription, offer: Offer, context_url: str) -> bytes:
    triples = found.triples()
    if offer.fmt is Fmt.JSONLD:
        return jsonld_document(triples, context_url)
    return serialize_result(triples, offer.fmt)


def _alternates(here: str) -> list[dict[str, str]]:
    return [
        {"name": name, "media_type": o.media_type, "href": f"{here}?format={o.fmt.value}"}
        for o in ENTITY_OFFERS
        if (name := _FORMAT_NAMES.get(o.fmt))
    ]
