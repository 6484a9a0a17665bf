"""The JSON shapes of the hub lookups (`/api/...`), as pydantic models so that OpenAPI documents
them. Every list answers with the same envelope, `Listing`."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, Field

from api.routers.hub_graph import Ref
from api.routers.paging import PageLinks

Item = TypeVar("Item", bound=BaseModel)


class Listing(BaseModel, Generic[Item]):
    """One page of a list; `links` repeats the `Link` header (RFC 8288)."""

    items: list[Item]
    total: int = Field(description="Items matching the filters, on all pages.")
    limit: int
    offset: int
    links: PageLinks


class Entity(BaseModel):
    iri: str
    key: str = Field(description="The IRI's key, as used in /api paths.")
    label: str
    page: str | None = Field(description="Path of the entity's linked-data page (/id/...).")
    types: list[str] = Field(description="Local names of the atmp: classes of the entity.")
    illustrative: bool = Field(
        description="True for an illustrative (synthetic) record, not a sourced fact."
    )


class MarketingAuthorisationOut(BaseModel):
    iri: str
    status: Ref | None
    ma_type: Ref | None
    holder: Ref | None


class ProductOut(Entity):
    ema_number: str | None
    inn: str | None
    alt_labels: list[str]
    substances: list[Ref]
    indications: list[Ref]
    therapeutic_areas: list[str]
    cell_origin: Ref | None
    is_cart: bool | None
    originator: Ref | None
    marketing_authorisations: list[MarketingAuthorisationOut]
    has_process: bool = Field(
        description="A manufacturing process is on record (needed to assess)."
    )


class ProductDetail(ProductOut):
    trials: list[Ref]
    hospital_exemptions: list[Ref]
    required_capabilities: list[Ref]
    required_operations: list[Ref]
    materials: list[Ref]


class TrialOut(Entity):
    title: str | None
    eudract_number: str | None
    euct_number: str | None
    nct_number: str | None
    phase: Ref | None
    status: Ref | None
    sponsors: list[Ref]
    commercial_sponsor: bool | None
    products: list[Ref]
    countries: list[Ref]
    start_date: str | None
    enrollment: int | None


class AuthorisationOut(BaseModel):
    """A manufacturing (and import) authorisation of a site."""

    iri: str
    number: str | None
    scopes: list[Ref]
    operations: list[Ref]
    status: Ref | None
    valid_from: str | None
    valid_until: str | None


class CertificateOut(BaseModel):
    iri: str
    number: str | None
    inspection_date: str | None
    valid_from: str | None
    valid_until: str | None
    status: Ref | None


class FacilityOut(Entity):
    organisation: Ref | None
    city: str | None
    country: Ref | None
    capabilities: list[Ref]
    third_party_manufacturing: bool | None
    authorisations: list[AuthorisationOut]
    certificates: list[CertificateOut]


class AssessmentOut(BaseModel):
    """Can `facility` make `product` on `on` — and if not, what is missing."""

    facility: FacilityOut
    product: Ref
    can_make: bool
    on: str
    scope: str | None = Field(description="The use assessed: commercial, investigational, ...")
    missing_capabilities: list[Ref]
    missing_operations: list[Ref]
    missing_materials: list[Ref]
    certificate_valid: bool
    reasons: list[str]
    derived_from: list[str]
    illustrative: bool


class OfferOut(BaseModel):
    """A material product: one supplier's catalogue item for a material."""

    iri: str
    label: str
    material: Ref | None
    supplier: Ref | None
    catalogue_number: str | None
    grade: Ref | None
    lead_time_days: int | None
    complies_with_ph_eur_5212: bool | None
    has_tse_certificate: bool | None
    illustrative: bool


class MaterialOut(Entity):
    origin: Ref | None
    usp1043_tier: Ref | None
    animal_origin_free: bool | None
    gmp_grade_offered: bool = Field(description="Some supplier offers it at GMP grade.")
    suppliers: list[Ref]
    offers: list[OfferOut]
    used_by: list[Ref] = Field(description="Products whose process uses the material.")


class SupplierOut(Entity):
    country: Ref | None
    org_type: Ref | None
    offers: list[OfferOut]


class UseReportOut(BaseModel):
    iri: str
    year: int | None
    patients_treated: int | None


class HospitalExemptionOut(Entity):
    product: Ref | None
    member_state: Ref | None
    authority: Ref | None
    legal_basis: Ref | None
    hospitals: list[Ref]
    sites: list[Ref]
    indications: list[Ref]
    valid_from: str | None
    valid_until: str | None
    max_patients: int | None
    use_reports: list[UseReportOut]


class SearchHit(BaseModel):
    iri: str
    key: str
    label: str
    page: str | None
    type: str | None = Field(description="IRI type segment: product, trial, site, org, ...")
    types: list[str]
    match: str = Field(
        description="identifier | label-exact | label-prefix | label-contains | other-name"
    )
    matched_field: str = Field(description="Local name of the property that matched.")
    matched_text: str
    illustrative: bool


class PropertyOut(BaseModel):
    predicate: str
    predicate_label: str
    value: str
    ref: Ref | None = Field(description="Set when the value is a node.")
    datatype: str | None = None
    language: str | None = None


class GraphNode(BaseModel):
    iri: str
    label: str
    type: str | None
    page: str | None


class GraphEdge(BaseModel):
    source: str
    target: str
    predicate: str
    label: str


class Neighbourhood(BaseModel):
    """An entity, its own statements, and the graph of its direct neighbours."""

    node: Entity
    properties: list[PropertyOut]
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    truncated: bool = Field(description="True when more neighbours exist than were returned.")


class AnalysisOut(BaseModel):
    name: str
    summary: str
    parameters: list[str]
    href: str


class AnalyticsResult(BaseModel):
    """One page of an analysis' table; rows keep the analysis' own order."""

    name: str
    summary: str
    columns: list[str]
    items: list[dict[str, str | int | float | bool | None]]
    total: int
    limit: int
    offset: int
    links: PageLinks
