"""Hub lookups under `/api/`: JSON for a GMP coordination hub — products, trials, facilities
(with "can it make P, and if not, why not"), materials and suppliers, Hospital-Exemption
authorisations, analytics, search and an entity's graph neighbourhood.

Every list answers with one envelope (`Listing`: items, total, limit, offset, links) and the same
links as an RFC 8288 `Link` header. Errors are domain exceptions, turned into HTTP JSON errors by
api/errors.py. Filters are graph patterns from a fixed set; the user's values only enter a query
as bound RDF terms.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Final, Literal, TypeVar

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel
from pyoxigraph import NamedNode

from api.deps import ContextDep, get_store
from api.entities import describe
from api.errors import error_responses
from api.negotiation import VARY, Fmt, Offer, choose
from api.routers import hub_search
from api.routers.hub_graph import PRODUCT_CLASSES, Filters
from api.routers.hub_items import (
    MATERIAL_CLASSES,
    assessment_out,
    exemptions_out,
    facilities_out,
    materials_out,
    one,
    product_detail,
    products_out,
    suppliers_out,
    trials_out,
)
from api.routers.hub_models import (
    AnalysisOut,
    AnalyticsResult,
    AssessmentOut,
    FacilityOut,
    HospitalExemptionOut,
    Listing,
    MaterialOut,
    Neighbourhood,
    ProductDetail,
    ProductOut,
    SearchHit,
    SupplierOut,
    TrialOut,
)
from api.routers.hub_neighbourhood import neighbourhood
from api.routers.paging import Page, PageLinks, page_dependency, set_link_header
from graph_builder import analytics, iris, manufacturability
from graph_builder.errors import NotFound, ParameterError
from graph_builder.literals import boolean_literal
from graph_builder.namespaces import ATMP
from graph_builder.store.base import Store

JSON_OFFER: Final = Offer("application/json", Fmt.JSON)


def json_only(request: Request, response: Response) -> None:
    """The lookups speak JSON only: any other Accept (or `format`) is refused with 406."""
    choose(request, (JSON_OFFER,))
    response.headers.update(VARY)


router = APIRouter(
    prefix="/api",
    tags=["hub"],
    dependencies=[Depends(json_only)],
    responses=error_responses(400, 404, 406, 422),
)

DEFAULT_LIMIT: Final = 50
MAX_LIMIT: Final = 1000
_KEY: Final = re.compile(r"[A-Za-z0-9._~\-]{1,200}")

Item = TypeVar("Item", bound=BaseModel)
Match = TypeVar("Match")
StoreDep = Annotated[Store, Depends(get_store)]
PageDep = Annotated[Page, Depends(page_dependency(DEFAULT_LIMIT, MAX_LIMIT))]
KeyPath = Annotated[str, Path(pattern=f"^{_KEY.pattern}$", description="Key of the IRI.")]
CountryQuery = Annotated[
    str | None,
    Query(pattern=r"^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2 code (EL is read as GR)."),
]
IllustrativeQuery = Annotated[
    bool | None,
    Query(description="true: only illustrative (synthetic) records; false: only sourced ones."),
]
OnQuery = Annotated[
    date | None, Query(description="Day the authorisations must be valid on; default today.")
]

ProductType = Literal["GTMP", "SCTMP", "TEP", "CombinedATMP"]
ScopeName = Literal["commercial", "investigational", "hospital-exemption"]
TrialPhase = Literal[
    "EarlyPhase1", "Phase1", "Phase1_2", "Phase2", "Phase2_3", "Phase3", "Phase4", "PhaseNA"
]
TrialStatus = Literal[
    "NotYetRecruiting",
    "Recruiting",
    "Ongoing",
    "ActiveNotRecruiting",
    "Completed",
    "Terminated",
    "Suspended_Trial",
    "Withdrawn_Trial",
    "Unknown_Status",
    "Authorised_NotStarted",
]
MaterialGrade = Literal["GMPGrade", "PrinciplesOfGMPGrade", "ClinicalGrade", "ResearchUseOnly"]
MaterialOrigin = Literal[
    "HumanOrigin",
    "BovineOrigin",
    "PorcineOrigin",
    "OtherAnimalOrigin",
    "RecombinantOrigin",
    "ChemicallyDefined",
]
SCOPES: Final = {
    "commercial": "CommercialScope",
    "investigational": "InvestigationalScope",
    "hospital-exemption": "HospitalExemptionScope",
}


def key_query(description: str) -> Any:
    return Query(pattern=f"^{_KEY.pattern}$", description=description)


def term(local: str) -> NamedNode:
    return NamedNode(ATMP + local)


def instance(type_segment: str, key: str) -> NamedNode:
    if not _KEY.fullmatch(key):
        raise ParameterError(f"{type_segment} key {key!r} is not a valid key")
    return iris.mint(type_segment, key)


def country_iri(code: str) -> NamedNode:
    try:
        return iris.country(code)
    except ValueError as exc:
        raise ParameterError(f"country: {exc}") from None


# --- listing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lister:
    """What every hub list uses: the request (for the page links), the response (for the Link
    header), the store and the page asked for."""

    request: Request
    response: Response
    store: Store
    page: Page

    def window(self, matches: Sequence[Match]) -> tuple[Sequence[Match], PageLinks]:
        """This page of `matches`, and its links (also sent as the Link header)."""
        page = self.page
        links = page.links(self.request, has_next=page.offset + page.limit < len(matches))
        set_link_header(self.response, links)
        return matches[page.offset : page.offset + page.limit], links

    def of(
        self,
        model: type[Listing[Item]],
        matches: Sequence[Match],
        build: Callable[[Sequence[Match]], list[Item]],
    ) -> Listing[Item]:
        window, links = self.window(matches)
        return model(
            items=build(window),
            total=len(matches),
            limit=self.page.limit,
            offset=self.page.offset,
            links=links,
        )

    def of_nodes(
        self,
        model: type[Listing[Item]],
        filters: Filters,
        build: Callable[[Store, Sequence[NamedNode]], list[Item]],
        keep: Callable[[str], bool] | None = None,
    ) -> Listing[Item]:
        """One page of the nodes the filters match, as items."""
        nodes = filters.matches(self.store, keep)
        return self.of(model, nodes, lambda window: build(self.store, window))


def lister(request: Request, response: Response, store: StoreDep, page: PageDep) -> Lister:
    return Lister(request, response, store, page)


ListerDep = Annotated[Lister, Depends(lister)]


# --- products ------------------------------------------------------------------------------


@router.get("/products", response_model=Listing[ProductOut], summary="Medicinal products")
def list_products(
    lists: ListerDep,
    type: Annotated[ProductType | None, Query(description="ATMP class.")] = None,
    has_process: Annotated[
        bool | None, Query(description="Only products with (or without) a process on record.")
    ] = None,
    illustrative: IllustrativeQuery = None,
) -> Listing[ProductOut]:
    filters = Filters(f"VALUES ?cls {{ {PRODUCT_CLASSES} }} ?s a ?cls .")
    if type is not None:
        filters.add("?s a ?type .", type=term(type))
    if has_process is not None:
        exists = "EXISTS" if has_process else "NOT EXISTS"
        filters.add(f"FILTER({exists} {{ ?s atmp:hasProcess ?process }})")
    filters.illustrative(illustrative)
    return lists.of_nodes(Listing[ProductOut], filters, products_out)


@router.get("/products/{key}", response_model=ProductDetail, summary="One product")
def get_product(key: KeyPath, store: StoreDep) -> ProductDetail:
    node = one(store, instance("product", key), PRODUCT_CLASSES, "product")
    return product_detail(store, node)


@router.get(
    "/products/{key}/facilities",
    response_model=Listing[AssessmentOut],
    summary="Facilities that can make a product, then the others with what they miss",
)
def product_facilities(
    key: KeyPath,
    lists: ListerDep,
    country: CountryQuery = None,
    can_make: Annotated[bool | None, Query(description="Only those that can (or cannot).")] = None,
    on: OnQuery = None,
) -> Listing[AssessmentOut]:
    iri = instance("product", key)
    answers = manufacturability.assess(lists.store, on=on, product=iri.value)
    return assessments_listing(lists, answers, country, can_make)


# --- facilities ----------------------------------------------------------------------------


@router.get("/facilities", response_model=Listing[FacilityOut], summary="GMP facilities")
def list_facilities(
    lists: ListerDep,
    country: CountryQuery = None,
    capability: Annotated[
        list[str] | None,
        Query(description="Capability key (repeat for several; all are required)."),
    ] = None,
    scope: Annotated[
        ScopeName | None, Query(description="Holds an authorisation with this scope.")
    ] = None,
    can_make: Annotated[
        str | None,
        Query(
            pattern=f"^{_KEY.pattern}$",
            description="Product key: only facilities that can make it (see "
            "/api/products/{key}/facilities for the others and why not).",
        ),
    ] = None,
    third_party: Annotated[
        bool | None, Query(description="Offers manufacturing to third parties.")
    ] = None,
    on: OnQuery = None,
    illustrative: IllustrativeQuery = None,
) -> Listing[FacilityOut]:
    filters = Filters("?s a atmp:ManufacturingSite .")
    if country is not None:
        filters.add("?s atmp:country ?country .", country=country_iri(country))
    for i, cap in enumerate(capability or []):
        filters.add(f"?s atmp:hasCapability ?cap{i} .", **{f"cap{i}": instance("capability", cap)})
    if scope is not None:
        filters.add(
            "?s atmp:hasManufacturingAuthorisation ?mia . ?mia atmp:scopeType ?scope .",
            scope=term(SCOPES[scope]),
        )
    if third_party is not None:
        filters.add(
            "?s atmp:offersThirdPartyManufacturing ?third .", third=boolean_literal(third_party)
        )
    filters.illustrative(illustrative)
    keep: Callable[[str], bool] | None = None
    if can_make is not None:
        product = instance("product", can_make)
        able = {
            x.facility.iri
            for x in manufacturability.assess(lists.store, on=on, product=product.value)
            if x.can_make
        }
        keep = able.__contains__
    return lists.of_nodes(Listing[FacilityOut], filters, facilities_out, keep)


@router.get("/facilities/{key}", response_model=FacilityOut, summary="One GMP facility")
def get_facility(key: KeyPath, store: StoreDep) -> FacilityOut:
    return facilities_out(store, [one_site(store, key)])[0]


def one_site(store: Store, key: str) -> NamedNode:
    iri = instance("site", key)
    one(store, iri, "atmp:ManufacturingSite", "manufacturing site")
    return iri


@router.get(
    "/facilities/{key}/products",
    response_model=Listing[AssessmentOut],
    summary="What a facility can make, and for every other product why not",
)
def facility_products(
    key: KeyPath,
    lists: ListerDep,
    can_make: Annotated[bool | None, Query(description="Only those it can (or cannot).")] = None,
    on: OnQuery = None,
) -> Listing[AssessmentOut]:
    iri = one_site(lists.store, key)
    answers = manufacturability.assess(lists.store, on=on, site=iri.value)
    return assessments_listing(lists, answers, None, can_make)


def assessments_listing(
    lists: Lister,
    answers: Sequence[manufacturability.Assessment],
    country: str | None,
    can_make: bool | None,
) -> Listing[AssessmentOut]:
    """Assessments in the order `assess` gives them (can-make first), filtered, one page."""
    if can_make is not None:
        answers = [x for x in answers if x.can_make == can_make]
    if country is not None:
        filters = Filters("?s a atmp:ManufacturingSite ; atmp:country ?country .")
        filters.bindings["country"] = country_iri(country)
        in_country = {n.value for n in filters.matches(lists.store)}
        answers = [x for x in answers if x.facility.iri in in_country]

    def build(window: Sequence[manufacturability.Assessment]) -> list[AssessmentOut]:
        sites = {x.facility.iri: NamedNode(x.facility.iri) for x in window}
        facilities = {f.iri: f for f in facilities_out(lists.store, list(sites.values()))}
        return [assessment_out(x, facilities[x.facility.iri]) for x in window]

    return lists.of(Listing[AssessmentOut], answers, build)


# --- trials --------------------------------------------------------------------------------


@router.get("/trials", response_model=Listing[TrialOut], summary="Clinical trials")
def list_trials(
    lists: ListerDep,
    product: Annotated[str | None, key_query("Product key: trials testing it.")] = None,
    country: CountryQuery = None,
    phase: TrialPhase | None = None,
    status: TrialStatus | None = None,
    sponsor: Annotated[str | None, key_query("Organisation key of the sponsor.")] = None,
    illustrative: IllustrativeQuery = None,
) -> Listing[TrialOut]:
    filters = Filters("?s a atmp:ClinicalTrial .")
    if product is not None:
        filters.add("?s atmp:testsProduct ?product .", product=instance("product", product))
    if country is not None:
        filters.add("?s atmp:conductedIn ?country .", country=country_iri(country))
    if phase is not None:
        filters.add("?s atmp:hasPhase ?phase .", phase=term(phase))
    if status is not None:
        filters.add("?s atmp:trialStatus ?status .", status=term(status))
    if sponsor is not None:
        filters.add("?s atmp:hasSponsor ?sponsor .", sponsor=instance("org", sponsor))
    filters.illustrative(illustrative)
    return lists.of_nodes(Listing[TrialOut], filters, trials_out)


# --- materials and suppliers ----------------------------------------------------------------


@router.get("/materials", response_model=Listing[MaterialOut], summary="Materials")
def list_materials(
    lists: ListerDep,
    origin: MaterialOrigin | None = None,
    grade: Annotated[
        MaterialGrade | None, Query(description="Offered by some supplier at this grade.")
    ] = None,
    supplier: Annotated[str | None, key_query("Organisation key of a supplier.")] = None,
    illustrative: IllustrativeQuery = None,
) -> Listing[MaterialOut]:
    filters = Filters(f"VALUES ?cls {{ {MATERIAL_CLASSES} }} ?s a ?cls .")
    if origin is not None:
        filters.add("?s atmp:origin ?origin .", origin=term(origin))
    if grade is not None:
        filters.add("?graded atmp:isProductOf ?s ; atmp:grade ?grade .", grade=term(grade))
    if supplier is not None:
        filters.add(
            "?supplied atmp:isProductOf ?s ; atmp:suppliedBy ?supplier .",
            supplier=instance("org", supplier),
        )
    filters.illustrative(illustrative)
    return lists.of_nodes(Listing[MaterialOut], filters, materials_out)


@router.get(
    "/suppliers", response_model=Listing[SupplierOut], summary="Organisations supplying materials"
)
def list_suppliers(
    lists: ListerDep,
    country: CountryQuery = None,
    material: Annotated[str | None, key_query("Material key: its suppliers.")] = None,
    illustrative: IllustrativeQuery = None,
) -> Listing[SupplierOut]:
    filters = Filters("?offer atmp:suppliedBy ?s .")
    if country is not None:
        filters.add("?s atmp:country ?country .", country=country_iri(country))
    if material is not None:
        filters.add("?offer atmp:isProductOf ?material .", material=instance("material", material))
    filters.illustrative(illustrative)
    return lists.of_nodes(Listing[SupplierOut], filters, suppliers_out)


# --- Hospital Exemption ---------------------------------------------------------------------


@router.get(
    "/hospital-exemptions",
    response_model=Listing[HospitalExemptionOut],
    summary="Hospital-Exemption authorisations",
)
def list_hospital_exemptions(
    lists: ListerDep,
    country: Annotated[
        str | None,
        Query(pattern=r"^[A-Za-z]{2}$", description="Member state (ISO 3166-1 alpha-2)."),
    ] = None,
    product: Annotated[str | None, key_query("Product key.")] = None,
    illustrative: IllustrativeQuery = None,
) -> Listing[HospitalExemptionOut]:
    filters = Filters("?s a atmp:HospitalExemptionAuthorisation .")
    if country is not None:
        filters.add("?s atmp:memberState ?country .", country=country_iri(country))
    if product is not None:
        filters.add("?s atmp:appliesTo ?product .", product=instance("product", product))
    filters.illustrative(illustrative)
    return lists.of_nodes(Listing[HospitalExemptionOut], filters, exemptions_out)


# --- analytics ----------------------------------------------------------------------------------


@router.get("/analytics", response_model=Listing[AnalysisOut], summary="The graph analyses")
def list_analyses(request: Request, lists: ListerDep) -> Listing[AnalysisOut]:
    analyses = [
        AnalysisOut(
            name=x.name,
            summary=x.summary,
            parameters=list(x.parameters),
            href=str(request.app.url_path_for("run_analysis", name=x.name)),
        )
        for x in analytics.ANALYSES.values()
    ]
    return lists.of(Listing[AnalysisOut], analyses, list)


@router.get(
    "/analytics/{name}",
    name="run_analysis",
    response_model=AnalyticsResult,
    summary="Run one analysis (networkx over a projection of the graph)",
    description="Parameters of the analysis are given as query parameters by their names "
    "(see /api/analytics), e.g. `/api/analytics/explanation_path?product=...&facility=...`.",
)
def run_analysis(
    name: Annotated[str, Path(pattern=r"^[a-z_]{1,60}$")], lists: ListerDep
) -> AnalyticsResult:
    analysis = analytics.ANALYSES.get(name)
    if analysis is None:
        raise NotFound(f"no analysis {name!r}; known: {', '.join(analytics.ANALYSES)}")
    # graph_builder.analytics checks the names and values (ParameterError -> 400).
    params = {k: v for k, v in lists.request.query_params.items() if k not in PAGE_AND_FORMAT}
    table = analytics.run_analysis(lists.store, name, params)
    window, links = lists.window(table.rows)
    return AnalyticsResult(
        name=analysis.name,
        summary=analysis.summary,
        columns=table.columns,
        items=list(window),
        total=len(table.rows),
        limit=lists.page.limit,
        offset=lists.page.offset,
        links=links,
    )


PAGE_AND_FORMAT: Final = frozenset({"limit", "offset", "format"})


# --- search and neighbourhood ----------------------------------------------------------------


@router.get("/search", response_model=Listing[SearchHit], summary="Search labels and identifiers")
def search(
    lists: ListerDep,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=200,
            description="Text or identifier: EudraCT, EU CT, NCT or EMA product number, "
            "a name, an INN.",
        ),
    ],
    type: Annotated[
        str | None,
        Query(pattern=r"^[a-z-]{2,40}$", description="IRI type: product, trial, site, org, ..."),
    ] = None,
) -> Listing[SearchHit]:
    if type is not None and type not in iris.TYPES:
        raise ParameterError(f"type: {type!r} is not one of {', '.join(sorted(iris.TYPES))}")
    found = hub_search.candidates(lists.store, q, type)
    return lists.of(Listing[SearchHit], found, lambda window: hub_search.hits(lists.store, window))


@router.get(
    "/neighbourhood/{type}/{key:path}",
    response_model=Neighbourhood,
    summary="An entity's statements and its direct neighbours",
)
async def get_neighbourhood(
    type: Annotated[str, Path(pattern=r"^[a-z-]{2,40}$", description="IRI type segment.")],
    key: Annotated[str, Path(description="IRI key (may contain '/').")],
    ctx: ContextDep,
    limit: Annotated[int, Query(ge=1, le=200, description="Most neighbours returned.")] = 40,
) -> Neighbourhood:
    if type not in iris.TYPES:
        raise NotFound(f"no entity type {type!r}")
    if not _PATH_KEY.fullmatch(key) or ".." in key.split("/"):
        raise ParameterError(f"{key!r} is not a valid key")
    entity = await describe(ctx, iris.mint(type, key).value)
    return neighbourhood(entity, limit)


_PATH_KEY: Final = re.compile(r"[A-Za-z0-9._~\-/%]{1,400}")
