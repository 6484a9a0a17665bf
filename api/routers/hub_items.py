"""Hub list items from the graph: each lookup's nodes (and the nodes one hop further that an
item shows, such as a site's authorisations) read with a few queries per page and turned into
the response models of api/routers/hub_models.py."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from pyoxigraph import NamedNode

from api.routers.hub_graph import Node, Ref, outgoing, to_ref, values_of
from api.routers.hub_models import (
    AssessmentOut,
    AuthorisationOut,
    CertificateOut,
    FacilityOut,
    HospitalExemptionOut,
    MarketingAuthorisationOut,
    MaterialOut,
    OfferOut,
    ProductDetail,
    ProductOut,
    SupplierOut,
    TrialOut,
    UseReportOut,
)
from graph_builder import manufacturability
from graph_builder.errors import NotFound
from graph_builder.namespaces import ATMP, SKOS
from graph_builder.sparql import select
from graph_builder.store.base import Store


def a(local: str) -> str:
    return ATMP + local


def entity_fields(node: Node) -> dict[str, Any]:
    return {
        "iri": node.iri,
        "key": to_ref(node.iri).key,
        "label": node.label,
        "page": to_ref(node.iri).page,
        "types": node.types,
        "illustrative": node.illustrative,
    }


def linked(store: Store, nodes: Sequence[Node], *predicates: str) -> dict[str, Node]:
    """The outgoing statements of the nodes the predicates point to (an item's second hop)."""
    targets = {n.value: n for node in nodes for p in predicates for n in node.iris(p)}
    return outgoing(store, list(targets.values()))


def inverse(store: Store, path: str, targets: Sequence[NamedNode]) -> dict[str, list[NamedNode]]:
    """For each target, the subjects `?s` with `?s <path> target` (`path` is fixed text)."""
    found: dict[str, list[NamedNode]] = {t.value: [] for t in targets}
    if not targets:
        return found
    rows = select(
        store, f"SELECT DISTINCT ?o ?s WHERE {{ {values_of('o', targets)} ?s {path} ?o }}"
    )
    for row in rows:
        s = row["s"]
        if isinstance(s, NamedNode):
            found[row["o"].value].append(s)
    return found


def by_label(refs: Iterable[Ref]) -> list[Ref]:
    return sorted(refs, key=lambda r: (r.label.lower(), r.iri))


def labelled_refs(store: Store, nodes: Sequence[NamedNode]) -> list[Ref]:
    described = outgoing(store, list({n.value: n for n in nodes}.values()))
    return by_label(to_ref(n.iri, n.label) for n in described.values())


def one(store: Store, iri: NamedNode, classes: str, what: str) -> Node:
    """The described node, or NotFound when it is not typed with one of `classes`."""
    ask = store.query(
        f"PREFIX atmp: <{ATMP}> ASK {{ VALUES ?cls {{ {classes} }} ?s a ?cls }}", {"s": iri}
    )
    if ask is not True:
        raise NotFound(f"no {what} {iri.value}")
    return outgoing(store, [iri])[iri.value]


def products_out(store: Store, nodes: Sequence[NamedNode]) -> list[ProductOut]:
    described = outgoing(store, nodes)
    mas = linked(store, list(described.values()), a("hasMarketingAuthorisation"))
    return [product_out(described[n.value], mas) for n in nodes]


def product_out(node: Node, mas: dict[str, Node]) -> ProductOut:
    return ProductOut(
        **entity_fields(node),
        ema_number=node.text(a("emaProductNumber")),
        inn=node.text(a("inn")),
        alt_labels=node.texts(SKOS + "altLabel"),
        substances=node.refs(a("hasActiveSubstance")),
        indications=node.refs(a("indication")),
        therapeutic_areas=node.texts(a("therapeuticArea")),
        cell_origin=node.ref(a("cellOrigin")),
        is_cart=node.flag(a("isCART")),
        originator=node.ref(a("originator")),
        marketing_authorisations=[
            MarketingAuthorisationOut(
                iri=ma.iri,
                status=ma.ref(a("status")),
                ma_type=ma.ref(a("maType")),
                holder=ma.ref(a("holder")),
            )
            for iri in node.iris(a("hasMarketingAuthorisation"))
            if (ma := mas.get(iri.value)) is not None
        ],
        has_process=bool(node.iris(a("hasProcess"))),
    )


def product_detail(store: Store, node: Node) -> ProductDetail:
    """A product with its trials, Hospital Exemptions and what its process requires."""
    iri = NamedNode(node.iri)
    base = product_out(node, linked(store, [node], a("hasMarketingAuthorisation")))
    requirements = select(
        store,
        """SELECT DISTINCT ?kind ?item WHERE {
  ?s atmp:hasProcess ?process .
  { ?process atmp:hasStep?/atmp:requiresCapability ?item BIND("capability" AS ?kind) }
  UNION { ?process atmp:hasStep?/atmp:requiresOperation ?item BIND("operation" AS ?kind) }
  UNION { ?process atmp:hasStep?/atmp:usesMaterial ?item BIND("material" AS ?kind) }
}""",
        {"s": iri},
    )
    by_kind: dict[str, list[NamedNode]] = {"capability": [], "operation": [], "material": []}
    for row in requirements:
        item = row["item"]
        if isinstance(item, NamedNode):
            by_kind[row["kind"].value].append(item)
    trials = inverse(store, "atmp:testsProduct", [iri])[iri.value]
    exemptions = inverse(store, "atmp:appliesTo", [iri])[iri.value]
    return ProductDetail(
        **base.model_dump(),
        trials=labelled_refs(store, trials),
        hospital_exemptions=labelled_refs(store, exemptions),
        required_capabilities=labelled_refs(store, by_kind["capability"]),
        required_operations=labelled_refs(store, by_kind["operation"]),
        materials=labelled_refs(store, by_kind["material"]),
    )


def facilities_out(store: Store, nodes: Sequence[NamedNode]) -> list[FacilityOut]:
    described = outgoing(store, nodes)
    grants = linked(
        store,
        list(described.values()),
        a("hasManufacturingAuthorisation"),
        a("hasGMPCertificate"),
    )
    return [facility_out(described[n.value], grants) for n in nodes]


def facility_out(node: Node, grants: dict[str, Node]) -> FacilityOut:
    def held(predicate: str) -> list[Node]:
        found = [grants[i.value] for i in node.iris(predicate) if i.value in grants]
        return sorted(found, key=lambda g: (g.label.lower(), g.iri))

    return FacilityOut(
        **entity_fields(node),
        organisation=node.ref(a("operatedBy")),
        city=node.text(a("city")),
        country=node.ref(a("country")),
        capabilities=node.refs(a("hasCapability")),
        third_party_manufacturing=node.flag(a("offersThirdPartyManufacturing")),
        authorisations=[
            AuthorisationOut(
                iri=g.iri,
                number=g.text(a("miaNumber")),
                scopes=g.refs(a("scopeType")),
                operations=g.refs(a("authorisedOperation")),
                status=g.ref(a("status")),
                valid_from=g.text(a("validFrom")),
                valid_until=g.text(a("validUntil")),
            )
            for g in held(a("hasManufacturingAuthorisation"))
        ],
        certificates=[
            CertificateOut(
                iri=g.iri,
                number=g.text(a("certificateNumber")),
                inspection_date=g.text(a("inspectionDate")),
                valid_from=g.text(a("validFrom")),
                valid_until=g.text(a("validUntil")),
                status=g.ref(a("status")),
            )
            for g in held(a("hasGMPCertificate"))
        ],
    )


def trials_out(store: Store, nodes: Sequence[NamedNode]) -> list[TrialOut]:
    described = outgoing(store, nodes)
    return [
        TrialOut(
            **entity_fields(t),
            title=t.text(a("title")),
            eudract_number=t.text(a("eudractNumber")),
            euct_number=t.text(a("euCtNumber")),
            nct_number=t.text(a("nctNumber")),
            phase=t.ref(a("hasPhase")),
            status=t.ref(a("trialStatus")),
            sponsors=t.refs(a("hasSponsor")),
            commercial_sponsor=t.flag(a("isCommercialSponsor")),
            products=t.refs(a("testsProduct")),
            countries=t.refs(a("conductedIn")),
            start_date=t.text(a("startDate")),
            enrollment=t.integer(a("enrollment")),
        )
        for t in (described[n.value] for n in nodes)
    ]


MATERIAL_CLASSES: Final = (
    "atmp:Material atmp:StartingMaterial atmp:RawMaterial atmp:Excipient atmp:Consumable"
)


def offers_out(
    store: Store, groups: Mapping[str, Sequence[NamedNode]]
) -> dict[str, list[OfferOut]]:
    """The material products of each group (a material's or a supplier's), read in one query."""
    every = {o.value: o for offers in groups.values() for o in offers}
    described = outgoing(store, list(every.values()))
    built = {
        iri: OfferOut(
            iri=o.iri,
            label=o.label,
            material=o.ref(a("isProductOf")),
            supplier=o.ref(a("suppliedBy")),
            catalogue_number=o.text(a("catalogueNumber")),
            grade=o.ref(a("grade")),
            lead_time_days=o.integer(a("leadTimeDays")),
            complies_with_ph_eur_5212=o.flag(a("compliesWithPhEur5212")),
            has_tse_certificate=o.flag(a("hasTSECertificate")),
            illustrative=o.illustrative,
        )
        for iri, o in described.items()
    }
    return {
        key: sorted((built[o.value] for o in offers), key=lambda o: (o.label.lower(), o.iri))
        for key, offers in groups.items()
    }


def materials_out(store: Store, nodes: Sequence[NamedNode]) -> list[MaterialOut]:
    described = outgoing(store, nodes)
    offers = offers_out(store, inverse(store, "atmp:isProductOf", nodes))
    users = inverse(store, "atmp:hasProcess/atmp:hasStep?/atmp:usesMaterial", nodes)
    user_nodes = outgoing(store, list({u.value: u for us in users.values() for u in us}.values()))
    out = []
    for n in nodes:
        m = described[n.value]
        its_offers = offers[n.value]
        suppliers = {o.supplier.iri: o.supplier for o in its_offers if o.supplier is not None}
        used_by = {u.value: to_ref(u.value, user_nodes[u.value].label) for u in users[n.value]}
        out.append(
            MaterialOut(
                **entity_fields(m),
                origin=m.ref(a("origin")),
                usp1043_tier=m.ref(a("usp1043Tier")),
                animal_origin_free=m.flag(a("animalOriginFree")),
                gmp_grade_offered=any(
                    o.grade is not None and o.grade.iri == a("GMPGrade") for o in its_offers
                ),
                suppliers=by_label(suppliers.values()),
                offers=its_offers,
                used_by=by_label(used_by.values()),
            )
        )
    return out


def suppliers_out(store: Store, nodes: Sequence[NamedNode]) -> list[SupplierOut]:
    described = outgoing(store, nodes)
    offers = offers_out(store, inverse(store, "atmp:suppliedBy", nodes))
    return [
        SupplierOut(
            **entity_fields(s),
            country=s.ref(a("country")),
            org_type=s.ref(a("orgType")),
            offers=offers[s.iri],
        )
        for s in (described[n.value] for n in nodes)
    ]


def exemptions_out(store: Store, nodes: Sequence[NamedNode]) -> list[HospitalExemptionOut]:
    described = outgoing(store, nodes)
    reports = inverse(store, "atmp:reportsOn", nodes)
    report_nodes = outgoing(store, [r for rs in reports.values() for r in rs])
    out = []
    for n in nodes:
        h = described[n.value]
        its_reports = sorted(
            (report_nodes[r.value] for r in reports[n.value]),
            key=lambda r: (r.integer(a("reportYear")) or 0, r.iri),
        )
        out.append(
            HospitalExemptionOut(
                **entity_fields(h),
                product=h.ref(a("appliesTo")),
                member_state=h.ref(a("memberState")),
                authority=h.ref(a("authorisingAuthority")),
                legal_basis=h.ref(a("nationalLegalBasis")),
                hospitals=h.refs(a("authorisedHospital")),
                sites=h.refs(a("authorisedManufacturingSite")),
                indications=h.refs(a("indication")),
                valid_from=h.text(a("validFrom")),
                valid_until=h.text(a("validUntil")),
                max_patients=h.integer(a("maxPatients")),
                use_reports=[
                    UseReportOut(
                        iri=r.iri,
                        year=r.integer(a("reportYear")),
                        patients_treated=r.integer(a("patientsTreated")),
                    )
                    for r in its_reports
                ],
            )
        )
    return out


def assessment_out(x: manufacturability.Assessment, facility: FacilityOut) -> AssessmentOut:
    def refs(found: Sequence[manufacturability.Ref]) -> list[Ref]:
        return [to_ref(r.iri, r.label) for r in found]

    return AssessmentOut(
        facility=facility,
        product=to_ref(x.product.iri, x.product.label),
        can_make=x.can_make,
        on=x.on.isoformat(),
        scope=x.scope,
        missing_capabilities=refs(x.missing_capabilities),
        missing_operations=refs(x.missing_operations),
        missing_materials=refs(x.missing_materials),
        certificate_valid=x.certificate_valid,
        reasons=list(x.reasons),
        derived_from=list(x.derived_from),
        illustrative=x.illustrative,
    )
