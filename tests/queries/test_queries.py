"""Every named query against the synthetic fixture graph (fixture.ttl), with the rows expected.

The expected rows were worked out from the fixture's design (see the comments in fixture.ttl);
values are compacted (`id:...`, `atmp:...`) and the parts of GROUP_CONCAT columns sorted, since
SPARQL leaves their order open. Row order is asserted: it is the query's ORDER BY."""

from __future__ import annotations

import pytest
from query_results import plain

from graph_builder.store import EmbeddedStore, SelectResult
from queries.catalogue import NamedQuery, load_catalogue

Row = dict[str, str]
Case = tuple[str, dict[str, str], list[Row]]


def pick(rows: dict[str, Row], *keys: str) -> list[Row]:
    """Rows of a query's table of expected rows, in this order."""
    return [rows[k] for k in keys]


# The rows of the queries that several cases expect, keyed by their first IRI (or first
# columns), so that a filtered case reads as the part of an unfiltered one it keeps.
LABEL_SEARCH: dict[str, Row] = {
    "academicel": {"entity": "id:product/academicel", "entityLabel": "Academicel", "types": "GTMP"},
    "academicel-b": {
        "entity": "id:product/academicel-b",
        "entityLabel": "Academicel-B",
        "types": "GTMP",
    },
}
CLEANROOM_AND_CLOSED_SYSTEM_FACILITIES: dict[str, Row] = {
    "alpha": {
        "site": "id:site/alpha",
        "siteLabel": "Alpha Cell Factory (synthetic)",
        "cleanRoomGrades": "A; B",
        "offersThirdPartyManufacturing": "true",
    },
    "beta": {
        "site": "id:site/beta",
        "siteLabel": "Beta Hospital GMP Unit (synthetic)",
        "closedSystems": "Closed cell processor (synthetic)",
        "offersThirdPartyManufacturing": "false",
    },
}
FACILITIES: dict[str, Row] = {
    "alpha": {
        "site": "id:site/alpha",
        "siteLabel": "Alpha Cell Factory (synthetic)",
        "countryCode": "DE",
        "operators": "Pharma B (synthetic)",
        "capabilities": "4",
    },
    "beta": {
        "site": "id:site/beta",
        "siteLabel": "Beta Hospital GMP Unit (synthetic)",
        "countryCode": "ES",
        "operators": "University Hospital A (synthetic)",
        "capabilities": "2",
    },
    "delta": {
        "site": "id:site/delta",
        "siteLabel": "Delta Satellite (synthetic)",
        "countryCode": "NL",
        "operators": "Hospital D (synthetic)",
        "capabilities": "0",
    },
    "gamma": {
        "site": "id:site/gamma",
        "siteLabel": "Gamma Vector Site (synthetic)",
        "countryCode": "NL",
        "operators": "CDMO C (synthetic)",
        "capabilities": "1",
    },
}
FACILITY_PROFILE: dict[str, Row] = {
    "alpha": {
        "kind": "GMP certificate",
        "item": "id:gmp-certificate/alpha",
        "itemLabel": "GMP-ALPHA-1",
        "validFrom": "2024-01-01",
        "validUntil": "2030-12-31",
    },
    "cryopreservation": {
        "kind": "capability",
        "item": "id:capability/cryopreservation",
        "itemLabel": "Cryopreservation",
    },
    "lv-transduction": {
        "kind": "capability",
        "item": "id:capability/lv-transduction",
        "itemLabel": "Lentiviral transduction",
    },
    "lv-vector-production": {
        "kind": "capability",
        "item": "id:capability/lv-vector-production",
        "itemLabel": "Lentiviral vector production",
    },
    "t-cell-processing": {
        "kind": "capability",
        "item": "id:capability/t-cell-processing",
        "itemLabel": "T-cell processing",
    },
    "alpha-a": {
        "kind": "clean room",
        "item": "id:clean-room/alpha-a",
        "itemLabel": "alpha-a",
        "cleanRoomGrade": "A",
    },
    "alpha-b": {
        "kind": "clean room",
        "item": "id:clean-room/alpha-b",
        "itemLabel": "alpha-b",
        "cleanRoomGrade": "B",
    },
    "alpha-com": {
        "kind": "manufacturing authorisation",
        "item": "id:mia/alpha-com",
        "itemLabel": "MIA-ALPHA-1",
        "scopes": "CommercialScope",
        "operations": "1.3.1.4; 1.3.2.4",
        "validFrom": "2020-01-01",
        "validUntil": "2030-12-31",
    },
    "beta": {
        "kind": "GMP certificate",
        "item": "id:gmp-certificate/beta",
        "itemLabel": "GMP-BETA-1",
        "validFrom": "2021-01-01",
        "validUntil": "2029-01-01",
    },
    "beta-closed": {
        "kind": "equipment",
        "item": "id:equipment/beta-closed",
        "itemLabel": "Closed cell processor (synthetic)",
        "closedSystem": "true",
    },
    "beta-imp": {
        "kind": "manufacturing authorisation",
        "item": "id:mia/beta-imp",
        "itemLabel": "MIA-BETA-IMP",
        "scopes": "InvestigationalScope",
        "operations": "1.3.1",
        "validFrom": "2021-01-01",
    },
    "tel-beta": {
        "kind": "tissue establishment licence",
        "item": "id:tel-beta",
        "itemLabel": "TEL-BETA-1",
    },
}
# One authorisation with a use report per year.
_HE_ES: Row = {
    "authorisation": "id:he-authorisation/ES-academicel-2021-02-01",
    "product": "id:product/academicel",
    "productName": "Academicel",
    "memberState": "ES",
    "authority": "Competent authority ES (synthetic stand-in)",
    "legalBasis": "Real Decreto 477/2014",
    "hospitals": "University Hospital A (synthetic)",
    "manufacturingSites": "Beta Hospital GMP Unit (synthetic)",
    "validFrom": "2021-02-01",
    "validUntil": "2027-01-31",
    "maxPatients": "50",
}
HE_AUTHORISATIONS: dict[str, Row] = {
    "ES-academicel-2021-02-01 reportYear=2024": {
        **_HE_ES,
        "reportYear": "2024",
        "patientsTreated": "35",
    },
    "NL-academicel-2023-01-15": {
        "authorisation": "id:he-authorisation/NL-academicel-2023-01-15",
        "product": "id:product/academicel",
        "productName": "Academicel",
        "memberState": "NL",
        "authority": "Competent authority NL (synthetic stand-in)",
        "hospitals": "Hospital D (synthetic)",
        "validFrom": "2023-01-15",
        "validUntil": "2024-01-14",
    },
    "ES-academicel-2021-02-01 reportYear=2023": {
        **_HE_ES,
        "reportYear": "2023",
        "patientsTreated": "20",
    },
}
# The three registrations of one trial (EU CTR, CTIS, ClinicalTrials.gov) share its numbers.
_TRIAL_11_NUMBERS: Row = {
    "eudractNumbers": "2099-000001-11",
    "euCtNumbers": "2099-500001-11-00",
    "nctNumbers": "NCT09990011",
}
IDENTIFIER_CROSSWALK: dict[str, Row] = {
    **{
        key: {"trial": f"id:trial/{key}", **_TRIAL_11_NUMBERS}
        for key in ("2099-000001-11", "2099-500001-11-00", "NCT09990011")
    },
    "NCT09990002": {
        "trial": "id:trial/NCT09990002",
        "nctNumbers": "NCT09990002",
        "emaProductNumbers": "EMEA/H/C/999001",
        "procedureNumbers": "EMEA/H/C/999001/0000",
    },
}
# The manufacturability queries answer from the same assessments (site x product); each
# names the site, the product or both.
SITES: dict[str, Row] = {
    "alpha": {"site": "id:site/alpha", "siteLabel": "Alpha Cell Factory (synthetic)"},
    "beta": {"site": "id:site/beta", "siteLabel": "Beta Hospital GMP Unit (synthetic)"},
    "delta": {"site": "id:site/delta", "siteLabel": "Delta Satellite (synthetic)"},
    "gamma": {"site": "id:site/gamma", "siteLabel": "Gamma Vector Site (synthetic)"},
}
ASSESSED_PRODUCTS: dict[str, Row] = {
    "academicel": {"product": "id:product/academicel", "productLabel": "Academicel"},
    "cartix": {"product": "id:product/EMEA-H-C-999001", "productLabel": "Cartix"},
    "orphacel": {"product": "id:product/EMEA-H-C-999002", "productLabel": "Orphacel"},
}
ASSESSMENTS: dict[tuple[str, str], Row] = {
    ("alpha", "cartix"): {
        "canManufacture": "true",
        "certificateValid": "true",
        "missingCapabilities": "",
        "missingOperations": "",
        "missingMaterials": "",
        "explanation": "Alpha Cell Factory (synthetic) has every "
        "required capability, a commercial manufacturing "
        "authorisation valid on 2026-01-01 covering the "
        "required operations and a valid GMP certificate; "
        "all 2 supplied material(s) have a qualified "
        "supplier",
        "assessedOn": "2026-01-01",
    },
    ("beta", "cartix"): {
        "canManufacture": "false",
        "certificateValid": "true",
        "missingCapabilities": "Lentiviral transduction",
        "missingOperations": "1.3.2.4 Batch certification of gene therapy products",
        "missingMaterials": "",
        "explanation": "missing capabilities: Lentiviral transduction | "
        "operations outside the investigational "
        "authorised scope on 2026-01-01: 1.3.2.4 Batch "
        "certification of gene therapy products",
        "assessedOn": "2026-01-01",
    },
    ("delta", "cartix"): {
        "canManufacture": "false",
        "certificateValid": "false",
        # Delta records no capability at all: an unknown, not three missing capabilities.
        "missingCapabilities": "",
        "missingOperations": "1.3.1.4 Gene therapy products; 1.3.2.4 Batch "
        "certification of gene therapy products",
        "missingMaterials": "",
        "explanation": "no GMP certificate recorded for the site | no capability data recorded "
        "for the site, so whether it has the required capabilities is unknown: Cryopreservation, "
        "Lentiviral transduction, T-cell processing | no "
        "manufacturing authorisation with commercial "
        "scope valid on 2026-01-01 (needed for: 1.3.1.4 "
        "Gene therapy products, 1.3.2.4 Batch "
        "certification of gene therapy products)",
        "assessedOn": "2026-01-01",
    },
    ("gamma", "cartix"): {
        "canManufacture": "false",
        "certificateValid": "false",
        "missingCapabilities": "Cryopreservation; Lentiviral transduction; T-cell processing",
        "missingOperations": "1.3.1.4 Gene therapy products; 1.3.2.4 Batch "
        "certification of gene therapy products",
        "missingMaterials": "",
        "explanation": "missing capabilities: Cryopreservation, "
        "Lentiviral transduction, T-cell processing | no "
        "GMP certificate valid on 2026-01-01 (held: "
        "GMP-GAMMA-1 (suspended)) | no manufacturing "
        "authorisation with commercial scope valid on "
        "2026-01-01 (needed for: 1.3.1.4 Gene therapy "
        "products, 1.3.2.4 Batch certification of gene "
        "therapy products)",
        "assessedOn": "2026-01-01",
    },
    ("beta", "academicel"): {
        "canManufacture": "true",
        "certificateValid": "true",
        "missingCapabilities": "",
        "missingOperations": "",
        "missingMaterials": "",
        "explanation": "Beta Hospital GMP Unit (synthetic) has every "
        "required capability, an investigational "
        "manufacturing authorisation valid on 2026-01-01 "
        "covering the required operations and a valid GMP "
        "certificate; all 3 supplied material(s) have a "
        "qualified supplier",
        "assessedOn": "2026-01-01",
    },
    ("beta", "orphacel"): {
        "canManufacture": "false",
        "certificateValid": "true",
        "missingCapabilities": "MSC expansion",
        "missingOperations": "",
        "missingMaterials": "",
        "explanation": "missing capabilities: MSC expansion",
        "assessedOn": "2026-01-01",
    },
}


def assessed(site: str | None, product: str | None, *others: str) -> list[Row]:
    """Assessment rows: of `site` for the products `others` (products_for_facility), of the
    sites `others` for `product` (facilities_for_product), or of one site and product."""
    if site is None:
        return [{**SITES[s], **ASSESSMENTS[s, product or ""]} for s in others]
    if product is None:
        return [{**ASSESSED_PRODUCTS[p], **ASSESSMENTS[site, p]} for p in others]
    return [{**SITES[site], **ASSESSED_PRODUCTS[product], **ASSESSMENTS[site, product]}]


EQUIVALENT_MATERIAL_PRODUCTS: dict[str, Row] = {
    "x-il2": {
        "material_product": "id:material-product/x-il2",
        "equivalent": "id:material-product/y-il2",
        "catalogueNumber": "Y-IL2-07",
        "supplier": "Supplier Y (synthetic)",
        "grade": "GMPGrade",
        "usp1043Tier": "Tier2",
        "leadTimeDays": "30",
        "qualificationEvidence": "Comparability study (synthetic)",
    },
    "y-il2": {
        "material_product": "id:material-product/y-il2",
        "equivalent": "id:material-product/x-il2",
        "catalogueNumber": "X-IL2-01",
        "supplier": "Supplier X (synthetic)",
        "grade": "GMPGrade",
        "usp1043Tier": "Tier1",
        "leadTimeDays": "14",
    },
}
MATERIAL_PRODUCTS: dict[str, Row] = {
    "y-fbs": {
        "materialProduct": "id:material-product/y-fbs",
        "catalogueNumber": "Y-FBS-11",
        "material": "id:material/fbs",
        "materialLabel": "Fetal bovine serum",
        "supplier": "id:org/supplier-y",
        "supplierLabel": "Supplier Y (synthetic)",
        "grade": "atmp:GMPGrade",
        "origins": "BovineOrigin",
        "compliesWithPhEur5212": "false",
        "hasTSECertificate": "true",
    },
    "x-il2": {
        "materialProduct": "id:material-product/x-il2",
        "catalogueNumber": "X-IL2-01",
        "material": "id:material/il-2",
        "materialLabel": "Recombinant human IL-2",
        "supplier": "id:org/supplier-x",
        "supplierLabel": "Supplier X (synthetic)",
        "grade": "atmp:GMPGrade",
        "origins": "RecombinantOrigin",
        "usp1043Tier": "Tier1",
        "leadTimeDays": "14",
    },
    "y-il2": {
        "materialProduct": "id:material-product/y-il2",
        "catalogueNumber": "Y-IL2-07",
        "material": "id:material/il-2",
        "materialLabel": "Recombinant human IL-2",
        "supplier": "id:org/supplier-y",
        "supplierLabel": "Supplier Y (synthetic)",
        "grade": "atmp:GMPGrade",
        "origins": "RecombinantOrigin",
        "usp1043Tier": "Tier2",
        "leadTimeDays": "30",
    },
    "x-fbs": {
        "materialProduct": "id:material-product/x-fbs",
        "catalogueNumber": "X-FBS-02",
        "material": "id:material/fbs",
        "materialLabel": "Fetal bovine serum",
        "supplier": "id:org/supplier-x",
        "supplierLabel": "Supplier X (synthetic)",
        "grade": "atmp:ResearchUseOnly",
        "origins": "BovineOrigin",
        "compliesWithPhEur5212": "false",
        "hasTSECertificate": "false",
    },
}
SINGLE_SUPPLIER_GMP_MATERIALS: dict[str, Row] = {
    "fbs usedBy=Academicel; Orphacel": {
        "material": "id:material/fbs",
        "materialLabel": "Fetal bovine serum",
        "qualifiedSuppliers": "1",
        "suppliers": "Supplier Y (synthetic)",
        "usedBy": "Academicel; Orphacel",
    },
    "lv-vector usedBy=Academicel; Cartix": {
        "material": "id:material/lv-vector",
        "materialLabel": "Lentiviral vector (synthetic CAR construct)",
        "qualifiedSuppliers": "1",
        "suppliers": "CDMO C (synthetic)",
        "usedBy": "Academicel; Cartix",
    },
    "lv-vector usedBy=Cartix": {
        "material": "id:material/lv-vector",
        "materialLabel": "Lentiviral vector (synthetic CAR construct)",
        "qualifiedSuppliers": "1",
        "suppliers": "CDMO C (synthetic)",
        "usedBy": "Cartix",
    },
    "fbs usedBy=Academicel": {
        "material": "id:material/fbs",
        "materialLabel": "Fetal bovine serum",
        "qualifiedSuppliers": "1",
        "suppliers": "Supplier Y (synthetic)",
        "usedBy": "Academicel",
    },
    "il-2": {
        "material": "id:material/il-2",
        "materialLabel": "Recombinant human IL-2",
        "qualifiedSuppliers": "2",
        "suppliers": "Supplier X (synthetic); Supplier Y (synthetic)",
        "usedBy": "Academicel; Cartix",
    },
}
ORGANISATION_ROLES: dict[str, Row] = {
    "pharma-b": {
        "organisation": "id:org/pharma-b",
        "organisationName": "Pharma B (synthetic)",
        "omsOrgId": "ORG-999000002",
        "mahFor": "Cartix; Neurogene",
        "sponsorFor": "Cartix; Neurogene",
        "manufacturerFor": "Cartix",
    },
    "cdmo-c": {
        "organisation": "id:org/cdmo-c",
        "organisationName": "CDMO C (synthetic)",
        "manufacturerFor": "Academicel; Orphacel",
    },
    "hospital-d": {
        "organisation": "id:org/hospital-d",
        "organisationName": "Hospital D (synthetic)",
        "manufacturerFor": "Academicel",
    },
    "pharma-e": {
        "organisation": "id:org/pharma-e",
        "organisationName": "Orpha Biotech E (synthetic)",
        "mahFor": "Orphacel",
        "sponsorFor": "Orphacel",
    },
    "uni-a": {
        "organisation": "id:org/uni-a",
        "organisationName": "University Hospital A (synthetic)",
        "omsOrgId": "ORG-999000001",
        "sponsorFor": "Academicel; Academicel-B",
        "manufacturerFor": "Academicel",
    },
}
BATCH_RELEASE_SITES: dict[str, Row] = {
    "EMEA-H-C-999001": {
        "product": "id:product/EMEA-H-C-999001",
        "productLabel": "Cartix",
        "site": "id:site/alpha",
        "siteName": "Alpha Cell Factory (synthetic)",
        "countryCode": "DE",
        "operators": "Pharma B (synthetic)",
    },
    "EMEA-H-C-999002": {
        "product": "id:product/EMEA-H-C-999002",
        "productLabel": "Orphacel",
        "site": "id:site/gamma",
        "siteName": "Gamma Vector Site (synthetic)",
        "countryCode": "NL",
        "operators": "CDMO C (synthetic)",
    },
}
CLASSIFICATION_FUNNEL: dict[str, Row] = {
    "orphacel-cat": {
        "recommendation": "id:classification/orphacel-cat",
        "recommendedOn": "2013-01-01",
        "assertedClass": "SCTMP",
        "product": "id:product/EMEA-H-C-999002",
        "productLabel": "Orphacel",
        "hasEUTrial": "true",
        "hasMarketingAuthorisation": "true",
    },
    "cartix-cat": {
        "recommendation": "id:classification/cartix-cat",
        "recommendedOn": "2017-06-01",
        "assertedClass": "GTMP",
        "product": "id:product/EMEA-H-C-999001",
        "productLabel": "Cartix",
        "hasEUTrial": "false",
        "hasMarketingAuthorisation": "true",
    },
    "cat-unnamed": {
        "recommendation": "id:classification/cat-unnamed",
        "recommendedOn": "2020-04-04",
        "assertedClass": "TEP",
        "productDescription": "Autologous chondrocytes on a scaffold (synthetic)",
        "hasEUTrial": "false",
        "hasMarketingAuthorisation": "false",
    },
}
CONDITIONAL_AND_EXCEPTIONAL_CONVERSIONS: dict[str, Row] = {
    "EMEA-H-C-999001": {
        "product": "id:product/EMEA-H-C-999001",
        "productLabel": "Cartix",
        "grantedAs": "ConditionalMA",
        "grantedOn": "2019-05-01",
        "convertedOn": "2022-03-01",
        "maStatus": "Authorised",
    },
    "EMEA-H-C-999003": {
        "product": "id:product/EMEA-H-C-999003",
        "productLabel": "Neurogene",
        "grantedAs": "ExceptionalCircumstancesMA",
        "grantedOn": "2012-10-25",
        "maStatus": "Expired",
    },
    "EMEA-H-C-999002": {
        "product": "id:product/EMEA-H-C-999002",
        "productLabel": "Orphacel",
        "grantedAs": "ConditionalMA",
        "grantedOn": "2014-06-01",
        "maStatus": "Withdrawn",
    },
}
ORPHAN_DESIGNATIONS: dict[str, Row] = {
    "EMEA-H-C-999001": {
        "product": "id:product/EMEA-H-C-999001",
        "productLabel": "Cartix",
        "designation": "id:orphan-designation/eu-3-99-0001",
        "designationNumber": "EU/3/99/0001",
        "designatedOn": "2018-01-10",
        "conditions": "Diffuse large B-cell lymphoma",
        "maStatus": "Authorised",
    },
    "EMEA-H-C-999002": {
        "product": "id:product/EMEA-H-C-999002",
        "productLabel": "Orphacel",
        "designation": "id:orphan-designation/eu-3-99-0002",
        "designationNumber": "EU/3/99/0002",
        "designatedOn": "2015-02-02",
        "conditions": "Rare disease X (synthetic)",
        "mondoIds": "MONDO:9999999",
        "orphaCodes": "ORPHA:99999",
        "maStatus": "Withdrawn",
    },
}
ACADEMIC_EARLY_PHASE: dict[str, Row] = {
    "2099-000001-11": {
        "trial": "id:trial/2099-000001-11",
        "eudractNumber": "2099-000001-11",
        "phases": "Phase1_2",
        "sponsors": "University Hospital A (synthetic)",
        "endOfTrialDate": "2022-05-01",
    },
}
PRODUCTS: dict[str, Row] = {
    "academicel": {
        "product": "id:product/academicel",
        "productLabel": "Academicel",
        "atmpClasses": "GTMP",
    },
    "academicel-b": {
        "product": "id:product/academicel-b",
        "productLabel": "Academicel-B",
        "atmpClasses": "GTMP",
    },
    "EMEA-H-C-999001": {
        "product": "id:product/EMEA-H-C-999001",
        "productLabel": "Cartix",
        "emaProductNumber": "EMEA/H/C/999001",
        "atmpClasses": "GTMP",
        "maStatus": "Authorised",
        "holders": "Pharma B (synthetic)",
    },
    "EMEA-H-C-999003": {
        "product": "id:product/EMEA-H-C-999003",
        "productLabel": "Neurogene",
        "emaProductNumber": "EMEA/H/C/999003",
        "atmpClasses": "GTMP",
        "maStatus": "Expired",
        "holders": "Pharma B (synthetic)",
    },
    "EMEA-H-C-999002": {
        "product": "id:product/EMEA-H-C-999002",
        "productLabel": "Orphacel",
        "emaProductNumber": "EMEA/H/C/999002",
        "atmpClasses": "SCTMP",
        "maStatus": "Withdrawn",
        "holders": "Orpha Biotech E (synthetic)",
    },
    "EMEA-H-C-999004": {
        "product": "id:product/EMEA-H-C-999004",
        "productLabel": "Vectorgene",
        "emaProductNumber": "EMEA/H/C/999004",
        "atmpClasses": "GTMP",
        "maStatus": "Authorised",
    },
}
WITHDRAWN_OR_EXPIRED_PRODUCTS: dict[str, Row] = {
    "EMEA-H-C-999003": {
        "product": "id:product/EMEA-H-C-999003",
        "productLabel": "Neurogene",
        "emaProductNumber": "EMEA/H/C/999003",
        "maStatus": "Expired",
        "event": "Expiry",
        "eventDate": "2020-10-25",
        "eventYear": "2020",
        "withdrawalReason": "NotRenewed",
        "holders": "Pharma B (synthetic)",
    },
    "EMEA-H-C-999002": {
        "product": "id:product/EMEA-H-C-999002",
        "productLabel": "Orphacel",
        "emaProductNumber": "EMEA/H/C/999002",
        "maStatus": "Withdrawn",
        "event": "Withdrawal",
        "eventDate": "2021-07-01",
        "eventYear": "2021",
        "withdrawalReason": "CommercialReason",
        "reasonText": "Withdrawn by the holder for commercial reasons (synthetic)",
        "holders": "Orpha Biotech E (synthetic)",
    },
}
RESULTS_OVERDUE: dict[str, Row] = {
    "2099-000003-33": {
        "trial": "id:trial/2099-000003-33",
        "eudractNumber": "2099-000003-33",
        "resultsDueDate": "2019-01-01",
        "sponsors": "Pharma B (synthetic)",
        "registries": "EUCTR",
    },
    "2099-000001-11": {
        "trial": "id:trial/2099-000001-11",
        "eudractNumber": "2099-000001-11",
        "resultsDueDate": "2023-05-01",
        "sponsors": "University Hospital A (synthetic)",
        "registries": "EUCTR",
    },
}
TRIALS: dict[str, Row] = {
    "2099-000001-11": {
        "trial": "id:trial/2099-000001-11",
        "eudractNumber": "2099-000001-11",
        "title": "Academicel in relapsed ALL (synthetic)",
        "phases": "Phase1_2",
        "statuses": "Completed",
        "startDate": "2020-01-15",
        "sponsors": "University Hospital A (synthetic)",
        "countries": "NL",
    },
    "2099-000003-33": {
        "trial": "id:trial/2099-000003-33",
        "eudractNumber": "2099-000003-33",
        "phases": "Phase3",
        "statuses": "Terminated",
        "startDate": "2016-06-01",
        "sponsors": "Pharma B (synthetic)",
    },
    "2099-000004-44": {
        "trial": "id:trial/2099-000004-44",
        "eudractNumber": "2099-000004-44",
        "phases": "Phase3",
        "statuses": "Terminated",
        "startDate": "2016-09-01",
        "sponsors": "Orpha Biotech E (synthetic)",
    },
    "2099-500001-11-00": {"trial": "id:trial/2099-500001-11-00", "euCtNumber": "2099-500001-11-00"},
    "NCT09990002": {
        "trial": "id:trial/NCT09990002",
        "nctNumber": "NCT09990002",
        "title": "Cartix in DLBCL (synthetic)",
        "phases": "Phase2",
        "statuses": "Completed",
        "startDate": "2016-03-01",
        "sponsors": "Pharma B (synthetic)",
        "countries": "DE",
    },
    "NCT09990005": {
        "trial": "id:trial/NCT09990005",
        "nctNumber": "NCT09990005",
        "phases": "Phase1",
        "statuses": "Recruiting",
        "startDate": "2024-03-01",
        "sponsors": "University Hospital A (synthetic)",
        "countries": "ES",
    },
    "NCT09990011": {"trial": "id:trial/NCT09990011", "nctNumber": "NCT09990011"},
}
TRIALS_PER_CLASS_PHASE_YEAR: dict[str, Row] = {
    "GTMP Phase2 2016": {
        "atmpClassName": "GTMP",
        "phaseName": "Phase2",
        "year": "2016",
        "trials": "1",
        "conflictingWithCAT": "0",
    },
    "GTMP Phase3 2016": {
        "atmpClassName": "GTMP",
        "phaseName": "Phase3",
        "year": "2016",
        "trials": "1",
        "conflictingWithCAT": "0",
    },
    "SCTMP Phase3 2016": {
        "atmpClassName": "SCTMP",
        "phaseName": "Phase3",
        "year": "2016",
        "trials": "1",
        "conflictingWithCAT": "1",
    },
    "TEP Phase3 2016": {
        "atmpClassName": "TEP",
        "phaseName": "Phase3",
        "year": "2016",
        "trials": "1",
        "conflictingWithCAT": "1",
    },
    "GTMP Phase1_2 2020": {
        "atmpClassName": "GTMP",
        "phaseName": "Phase1_2",
        "year": "2020",
        "trials": "1",
        "conflictingWithCAT": "0",
    },
    "GTMP Phase1 2024": {
        "atmpClassName": "GTMP",
        "phaseName": "Phase1",
        "year": "2024",
        "trials": "1",
        "conflictingWithCAT": "0",
    },
}

CASES: list[Case] = [
    (
        "label_search",
        {"text": "academ", "type": "MedicinalProduct"},
        pick(LABEL_SEARCH, "academicel", "academicel-b"),
    ),
    ("label_search", {"text": "ACADEMICEL-"}, pick(LABEL_SEARCH, "academicel-b")),
    (
        "cleanroom_and_closed_system_facilities",
        {},
        pick(CLEANROOM_AND_CLOSED_SYSTEM_FACILITIES, "alpha", "beta"),
    ),
    (
        "cleanroom_and_closed_system_facilities",
        {"third_party": "true"},
        pick(CLEANROOM_AND_CLOSED_SYSTEM_FACILITIES, "alpha"),
    ),
    (
        "cleanroom_and_closed_system_facilities",
        {"grade": "C", "third_party": "false"},
        pick(CLEANROOM_AND_CLOSED_SYSTEM_FACILITIES, "beta"),
    ),
    ("facilities", {}, pick(FACILITIES, "alpha", "beta", "delta", "gamma")),
    ("facilities", {"country": "DE"}, pick(FACILITIES, "alpha")),
    ("facilities", {"capability": "vector-production"}, pick(FACILITIES, "alpha", "gamma")),
    ("facilities", {"operation": "1.3.1.4"}, pick(FACILITIES, "alpha", "beta")),
    ("facilities", {"operation": "1.3.1.4", "scope": "CommercialScope"}, pick(FACILITIES, "alpha")),
    ("facilities", {"operation": "1.3.1.4", "valid_on": "2020-06-01"}, pick(FACILITIES, "alpha")),
    ("facilities", {"third_party": "true"}, pick(FACILITIES, "alpha")),
    (
        "facility_profile",
        {"site": "alpha"},
        pick(
            FACILITY_PROFILE,
            "alpha",
            "cryopreservation",
            "lv-transduction",
            "lv-vector-production",
            "t-cell-processing",
            "alpha-a",
            "alpha-b",
            "alpha-com",
        ),
    ),
    (
        "facility_profile",
        {"site": "beta"},
        pick(
            FACILITY_PROFILE,
            "beta",
            "cryopreservation",
            "t-cell-processing",
            "beta-closed",
            "beta-imp",
            "tel-beta",
        ),
    ),
    (
        "manufacturing_networks",
        {},
        [
            {
                "network": "id:network/academicel",
                "networkLabel": "Academicel network (synthetic)",
                "products": "Academicel",
                "centralSites": "Beta Hospital GMP Unit (synthetic)",
                "qpControlSites": "Beta Hospital GMP Unit (synthetic)",
                "satelliteCount": "2",
                "satelliteSites": "Delta Satellite (synthetic); Gamma Vector Site (synthetic)",
            }
        ],
    ),
    ("manufacturing_networks", {"product": "EMEA-H-C-999001"}, []),
    (
        "tissue_establishment_and_atmp_mia",
        {},
        [
            {
                "holder": "id:site/beta",
                "holderLabel": "Beta Hospital GMP Unit (synthetic)",
                "tissueLicences": "TEL-BETA-1",
                "manufacturingAuthorisations": "MIA-BETA-IMP",
                "atmpOperations": "1.3.1.3; 1.3.1.4; 1.3.1.7",
            }
        ],
    ),
    ("tissue_establishment_and_atmp_mia", {"country": "DE"}, []),
    (
        "treatment_centres_without_local_manufacturing",
        {},
        [
            {
                "centre": "id:org/hospital-d",
                "centreLabel": "Hospital D (synthetic)",
                "countryCode": "NL",
                "accreditations": "FACT-JACIE IEC",
            }
        ],
    ),
    (
        "vector_production_sites",
        {},
        [
            {
                "site": "id:site/alpha",
                "siteLabel": "Alpha Cell Factory (synthetic)",
                "vectorCapabilities": "Lentiviral vector production",
            },
            {
                "site": "id:site/gamma",
                "siteLabel": "Gamma Vector Site (synthetic)",
                "vectorCapabilities": "Lentiviral vector production",
                "suppliedGrades": "PrinciplesOfGMPGrade",
                "supplies": "Cartix",
            },
        ],
    ),
    (
        "he_authorisations",
        {},
        pick(
            HE_AUTHORISATIONS,
            "ES-academicel-2021-02-01 reportYear=2024",
            "NL-academicel-2023-01-15",
        ),
    ),
    (
        "he_authorisations",
        {"member_state": "NL"},
        pick(HE_AUTHORISATIONS, "NL-academicel-2023-01-15"),
    ),
    (
        "he_authorisations",
        {"product": "academicel", "active_on": "2025-01-01", "report_year": "2023"},
        pick(HE_AUTHORISATIONS, "ES-academicel-2021-02-01 reportYear=2023"),
    ),
    (
        "he_multi_member_state_products",
        {},
        [
            {
                "product": "id:product/academicel",
                "productLabel": "Academicel",
                "memberStateCount": "2",
                "memberStates": "ES; NL",
            }
        ],
    ),
    ("he_multi_member_state_products", {"min_member_states": "3"}, []),
    (
        "identifier_crosswalk",
        {"eudract": "2099-000001-11"},
        pick(IDENTIFIER_CROSSWALK, "2099-000001-11", "2099-500001-11-00", "NCT09990011"),
    ),
    (
        "identifier_crosswalk",
        {"ema_number": "EMEA/H/C/999001"},
        pick(IDENTIFIER_CROSSWALK, "NCT09990002"),
    ),
    (
        "identifier_crosswalk",
        {"nct": "nct09990011"},
        pick(IDENTIFIER_CROSSWALK, "2099-000001-11", "2099-500001-11-00", "NCT09990011"),
    ),
    (
        "identifier_crosswalk",
        {"euct": "2099-500001-11-00"},
        pick(IDENTIFIER_CROSSWALK, "2099-000001-11", "2099-500001-11-00", "NCT09990011"),
    ),
    (
        "facilities_for_product",
        {"product": "EMEA-H-C-999001"},
        assessed(None, "cartix", "alpha", "beta", "delta", "gamma"),
    ),
    (
        "facilities_for_product",
        {"product": "EMEA-H-C-999001", "can_make": "true"},
        assessed(None, "cartix", "alpha"),
    ),
    (
        "facilities_for_product",
        {"product": "academicel", "country": "ES"},
        assessed(None, "academicel", "beta"),
    ),
    (
        "products_for_facility",
        {"site": "beta"},
        assessed("beta", None, "academicel", "cartix", "orphacel"),
    ),
    (
        "why_not",
        {"site": "gamma", "product": "EMEA-H-C-999001"},
        assessed("gamma", "cartix"),
    ),
    (
        "animal_origin_materials_without_certificates",
        {},
        [
            {
                "materialProduct": "id:material-product/x-fbs",
                "material": "id:material/fbs",
                "materialLabel": "Fetal bovine serum",
                "supplier": "Supplier X (synthetic)",
                "origins": "BovineOrigin",
                "hasTSECertificate": "false",
                "compliesWithPhEur5212": "false",
                "usedBy": "Academicel",
            },
            {
                "materialProduct": "id:material-product/y-fbs",
                "material": "id:material/fbs",
                "materialLabel": "Fetal bovine serum",
                "supplier": "Supplier Y (synthetic)",
                "origins": "BovineOrigin",
                "hasTSECertificate": "true",
                "compliesWithPhEur5212": "false",
                "usedBy": "Academicel",
            },
        ],
    ),
    (
        "animal_origin_materials_without_certificates",
        {"academic_only": "false"},
        [
            {
                "materialProduct": "id:material-product/x-fbs",
                "material": "id:material/fbs",
                "materialLabel": "Fetal bovine serum",
                "supplier": "Supplier X (synthetic)",
                "origins": "BovineOrigin",
                "hasTSECertificate": "false",
                "compliesWithPhEur5212": "false",
                "usedBy": "Academicel; Orphacel",
            },
            {
                "materialProduct": "id:material-product/y-fbs",
                "material": "id:material/fbs",
                "materialLabel": "Fetal bovine serum",
                "supplier": "Supplier Y (synthetic)",
                "origins": "BovineOrigin",
                "hasTSECertificate": "true",
                "compliesWithPhEur5212": "false",
                "usedBy": "Academicel; Orphacel",
            },
        ],
    ),
    (
        "equivalent_material_products",
        {"material": "il-2"},
        pick(EQUIVALENT_MATERIAL_PRODUCTS, "x-il2", "y-il2"),
    ),
    (
        "equivalent_material_products",
        {"material_product": "x-il2"},
        pick(EQUIVALENT_MATERIAL_PRODUCTS, "x-il2"),
    ),
    (
        "material_products",
        {"grade": "GMPGrade"},
        pick(MATERIAL_PRODUCTS, "y-fbs", "x-il2", "y-il2"),
    ),
    ("material_products", {"origin": "BovineOrigin"}, pick(MATERIAL_PRODUCTS, "x-fbs", "y-fbs")),
    ("material_products", {"tier": "Tier2"}, pick(MATERIAL_PRODUCTS, "y-il2")),
    (
        "material_products",
        {"supplier": "supplier-x", "animal_origin_free": "true"},
        pick(MATERIAL_PRODUCTS, "x-il2"),
    ),
    (
        "materials_for_product",
        {"product": "academicel"},
        [
            {
                "material": "id:material/fbs",
                "materialLabel": "Fetal bovine serum",
                "materialKind": "RawMaterial",
                "sourcing": "supplier",
                "qualifiedSuppliers": "1",
                "suppliers": "Supplier Y (synthetic)",
            },
            {
                "material": "id:material/lv-vector",
                "materialLabel": "Lentiviral vector (synthetic CAR construct)",
                "materialKind": "StartingMaterial",
                "sourcing": "supplier",
                "qualifiedSuppliers": "1",
                "suppliers": "CDMO C (synthetic)",
            },
            {
                "material": "id:material/il-2",
                "materialLabel": "Recombinant human IL-2",
                "materialKind": "RawMaterial",
                "sourcing": "supplier",
                "qualifiedSuppliers": "2",
                "suppliers": "Supplier X (synthetic); Supplier Y (synthetic)",
            },
        ],
    ),
    (
        "single_supplier_gmp_materials",
        {},
        pick(
            SINGLE_SUPPLIER_GMP_MATERIALS,
            "fbs usedBy=Academicel; Orphacel",
            "lv-vector usedBy=Academicel; Cartix",
        ),
    ),
    (
        "single_supplier_gmp_materials",
        {"cart_only": "true", "authorised_only": "true"},
        pick(SINGLE_SUPPLIER_GMP_MATERIALS, "lv-vector usedBy=Cartix"),
    ),
    ("single_supplier_gmp_materials", {"max_suppliers": "0"}, []),
    (
        "single_supplier_gmp_materials",
        {"max_suppliers": "2", "cart_only": "true"},
        pick(
            SINGLE_SUPPLIER_GMP_MATERIALS,
            "fbs usedBy=Academicel",
            "lv-vector usedBy=Academicel; Cartix",
            "il-2",
        ),
    ),
    ("organisation_roles", {}, pick(ORGANISATION_ROLES, "pharma-b")),
    (
        "organisation_roles",
        {"mixed_roles_only": "false"},
        pick(ORGANISATION_ROLES, "cdmo-c", "hospital-d", "pharma-e", "pharma-b", "uni-a"),
    ),
    (
        "academic_origin_authorised_products",
        {},
        [
            {
                "product": "id:product/EMEA-H-C-999001",
                "productLabel": "Cartix",
                "originator": "id:org/uni-a",
                "originatorName": "University Hospital A (synthetic)",
                "originatorType": "Academic",
                "holders": "Pharma B (synthetic)",
                "maStatus": "Authorised",
            }
        ],
    ),
    ("academic_origin_authorised_products", {"originator_type": "Hospital"}, []),
    ("batch_release_sites", {}, pick(BATCH_RELEASE_SITES, "EMEA-H-C-999001", "EMEA-H-C-999002")),
    (
        "batch_release_sites",
        {"authorised_only": "true"},
        pick(BATCH_RELEASE_SITES, "EMEA-H-C-999001"),
    ),
    ("batch_release_sites", {"country": "NL"}, pick(BATCH_RELEASE_SITES, "EMEA-H-C-999002")),
    (
        "cart_supporting_trials",
        {},
        [
            {
                "product": "id:product/EMEA-H-C-999001",
                "productLabel": "Cartix",
                "trial": "id:trial/NCT09990002",
                "nctNumber": "NCT09990002",
                "phases": "Phase2",
                "isSingleArm": "true",
                "studyDesign": "Single group assignment",
            }
        ],
    ),
    (
        "classification_funnel",
        {},
        pick(CLASSIFICATION_FUNNEL, "orphacel-cat", "cartix-cat", "cat-unnamed"),
    ),
    (
        "classification_funnel",
        {"without_eu_trial": "true"},
        pick(CLASSIFICATION_FUNNEL, "cartix-cat", "cat-unnamed"),
    ),
    (
        "commercial_withdrawal_orphan_candidates",
        {},
        [
            {
                "product": "id:product/EMEA-H-C-999002",
                "productLabel": "Orphacel",
                "disease": "id:disease/rare-x",
                "condition": "Rare disease X (synthetic)",
                "withdrawnOn": "2021-07-01",
                "reasonText": "Withdrawn by the holder for commercial reasons (synthetic)",
            }
        ],
    ),
    (
        "conditional_and_exceptional_conversions",
        {},
        pick(
            CONDITIONAL_AND_EXCEPTIONAL_CONVERSIONS,
            "EMEA-H-C-999001",
            "EMEA-H-C-999003",
            "EMEA-H-C-999002",
        ),
    ),
    (
        "conditional_and_exceptional_conversions",
        {"ma_type": "ExceptionalCircumstancesMA"},
        pick(CONDITIONAL_AND_EXCEPTIONAL_CONVERSIONS, "EMEA-H-C-999003"),
    ),
    (
        "conditional_ma_confirmatory_trials",
        {},
        [
            {
                "product": "id:product/EMEA-H-C-999002",
                "productLabel": "Orphacel",
                "maStatus": "Withdrawn",
                "trial": "id:trial/2099-000004-44",
                "trialIds": "2099-000004-44",
                "trialStatuses": "Terminated",
                "outcomes": "terminated early",
                "whyStopped": "Terminated after the marketing authorisation was withdrawn",
            }
        ],
    ),
    (
        "development_case_studies",
        {},
        [
            {
                "caseStudy": "id:case-study/neurogene",
                "product": "id:product/EMEA-H-C-999003",
                "productLabel": "Neurogene",
                "firstInHuman": "true",
                "usedNAM": "true",
                "usedAIMethod": "false",
                "namAcceptedByAuthority": "true",
                "expertStatement": "Organoid data were accepted (synthetic)",
                "attributedTo": "Expert A (synthetic)",
            }
        ],
    ),
    ("development_case_studies", {"first_in_human": "false"}, []),
    (
        "diseases_with_authorised_and_he_products",
        {},
        [
            {
                "disease": "id:disease/dlbcl",
                "condition": "Diffuse large B-cell lymphoma",
                "authorisedProducts": "Cartix",
                "hospitalExemptionProducts": "Academicel",
                "heMemberStates": "NL",
            }
        ],
    ),
    ("orphan_designations", {}, pick(ORPHAN_DESIGNATIONS, "EMEA-H-C-999001", "EMEA-H-C-999002")),
    (
        "orphan_designations",
        {"with_orphacode": "true"},
        pick(ORPHAN_DESIGNATIONS, "EMEA-H-C-999002"),
    ),
    (
        "orphan_designations",
        {"authorised_only": "true"},
        pick(ORPHAN_DESIGNATIONS, "EMEA-H-C-999001"),
    ),
    (
        "parent_child_families",
        {},
        [
            {
                "parent": "id:product/academicel",
                "parentName": "Academicel",
                "child": "id:product/academicel-b",
                "childName": "Academicel-B",
                "differsIn": "target",
                "leveragedDataFrom": "Academicel",
                "childStatus": "clinical trials",
            }
        ],
    ),
    ("parent_child_families", {"parent": "EMEA-H-C-999001"}, []),
    (
        "products",
        {},
        pick(
            PRODUCTS,
            "academicel",
            "academicel-b",
            "EMEA-H-C-999001",
            "EMEA-H-C-999003",
            "EMEA-H-C-999002",
            "EMEA-H-C-999004",
        ),
    ),
    (
        "products",
        {"atmp_class": "GTMP", "status": "Authorised"},
        pick(PRODUCTS, "EMEA-H-C-999001", "EMEA-H-C-999004"),
    ),
    (
        "products",
        {"atmp_class": "ATMP", "cart": "true"},
        pick(PRODUCTS, "academicel", "EMEA-H-C-999001"),
    ),
    ("products", {"status": "Expired"}, pick(PRODUCTS, "EMEA-H-C-999003")),
    ("products", {"pathway": "centralised-ma"}, pick(PRODUCTS, "EMEA-H-C-999001")),
    ("products", {"pathway": "conditional-ma"}, pick(PRODUCTS, "EMEA-H-C-999001")),
    ("products", {"holder": "pharma-b"}, pick(PRODUCTS, "EMEA-H-C-999001", "EMEA-H-C-999003")),
    ("products", {"atmp_class": "SCTMP"}, pick(PRODUCTS, "EMEA-H-C-999002")),
    (
        "products",
        {"cart": "false"},
        pick(PRODUCTS, "academicel-b", "EMEA-H-C-999003", "EMEA-H-C-999002", "EMEA-H-C-999004"),
    ),
    (
        "vector_gene_therapies",
        {},
        [
            {
                "product": "id:product/EMEA-H-C-999003",
                "productLabel": "Neurogene",
                "inn": "synthogene abeparvovec",
                "vectorTypes": "AAV",
                "serotypes": "AAV9",
                "transgenes": "SMN1",
                "maStatus": "Expired",
            }
        ],
    ),
    (
        "vector_gene_therapies",
        {"vector_type": "lentivir"},
        [
            {
                "product": "id:product/EMEA-H-C-999001",
                "productLabel": "Cartix",
                "vectorTypes": "Lentiviral vector",
                "maStatus": "Authorised",
            }
        ],
    ),
    (
        "withdrawn_or_expired_products",
        {},
        pick(WITHDRAWN_OR_EXPIRED_PRODUCTS, "EMEA-H-C-999003", "EMEA-H-C-999002"),
    ),
    (
        "withdrawn_or_expired_products",
        {"status": "Expired"},
        pick(WITHDRAWN_OR_EXPIRED_PRODUCTS, "EMEA-H-C-999003"),
    ),
    (
        "product_timeline",
        {"product": "EMEA-H-C-999001"},
        [
            {
                "date": "2016-02-01",
                "step": "ClinicalTrialAuthorisation",
                "detail": "NCT09990002 DE Authorised",
                "node": "id:trial-authorisation/NCT09990002-DE",
            },
            {
                "date": "2017-06-01",
                "step": "Classification",
                "detail": "GTMP by CATRecommendation",
                "node": "id:classification/cartix-cat",
            },
            {
                "date": "2017-09-01",
                "step": "PRIMEGranted",
                "detail": "",
                "node": "id:event/cartix-prime",
            },
            {
                "date": "2018-01-10",
                "step": "OrphanDesignation",
                "detail": "EU/3/99/0001",
                "node": "id:orphan-designation/eu-3-99-0001",
            },
            {
                "date": "2019-05-01",
                "step": "Grant",
                "detail": "",
                "node": "id:event/cartix-grant",
                "sources": "https://example.org/synthetic/cartix-grant",
            },
            {
                "date": "2022-03-01",
                "step": "Conversion",
                "detail": "",
                "node": "id:event/cartix-conversion",
            },
        ],
    ),
    (
        "product_timeline",
        {"product": "EMEA-H-C-999002"},
        [
            {
                "date": "2013-01-01",
                "step": "Classification",
                "detail": "SCTMP by CATRecommendation",
                "node": "id:classification/orphacel-cat",
            },
            {
                "date": "2014-06-01",
                "step": "Grant",
                "detail": "",
                "node": "id:event/orphacel-grant",
            },
            {
                "date": "2015-02-02",
                "step": "OrphanDesignationEvent",
                "detail": "",
                "node": "id:event/orphacel-designation",
            },
            {
                "date": "2016-08-01",
                "step": "Classification",
                "detail": "TEP by SponsorSelfClassification",
                "node": "id:classification/orphacel-sponsor",
            },
            {
                "date": "2021-07-01",
                "step": "Withdrawal",
                "detail": "Withdrawn by the holder for commercial reasons (synthetic)",
                "node": "id:event/orphacel-withdrawal",
            },
        ],
    ),
    (
        "product_timeline",
        {"product": "academicel"},
        [
            {
                "date": "2019-12-01",
                "step": "ClinicalTrialAuthorisation",
                "detail": "2099-000001-11 NL Authorised",
                "node": "id:trial-authorisation/2099-000001-11-NL",
            },
            {
                "date": "2021-02-01",
                "step": "HospitalExemptionAuthorisation",
                "detail": "ES",
                "node": "id:he-authorisation/ES-academicel-2021-02-01",
            },
            {
                "date": "2023-01-15",
                "step": "HospitalExemptionAuthorisation",
                "detail": "NL",
                "node": "id:he-authorisation/NL-academicel-2023-01-15",
            },
        ],
    ),
    (
        "academic_early_phase_without_results",
        {"as_of": "2023-06-01"},
        pick(ACADEMIC_EARLY_PHASE, "2099-000001-11"),
    ),
    # Ended 12 months before as_of to the day: included.
    (
        "academic_early_phase_without_results",
        {"as_of": "2023-05-01"},
        pick(ACADEMIC_EARLY_PHASE, "2099-000001-11"),
    ),
    ("academic_early_phase_without_results", {"as_of": "2023-04-30"}, []),
    (
        "results_overdue",
        {"as_of": "2024-01-01"},
        pick(RESULTS_OVERDUE, "2099-000003-33", "2099-000001-11"),
    ),
    (
        "results_overdue",
        {"as_of": "2024-01-01", "sponsor_type": "Industry"},
        pick(RESULTS_OVERDUE, "2099-000003-33"),
    ),
    ("results_overdue", {"as_of": "2019-01-01"}, []),
    (
        "terminated_trials",
        {},
        [
            {
                "trial": "id:trial/2099-000003-33",
                "identifier": "2099-000003-33",
                "statusName": "Terminated",
                "whyStopped": "Sponsor decision: business reasons",
                "reasonCategory": "commercial",
                "sponsors": "Pharma B (synthetic)",
                "products": "Neurogene",
            },
            {
                "trial": "id:trial/2099-000004-44",
                "identifier": "2099-000004-44",
                "statusName": "Terminated",
                "whyStopped": "Terminated after the marketing authorisation was withdrawn",
                "reasonCategory": "commercial",
                "outcomes": "terminated early",
                "sponsors": "Orpha Biotech E (synthetic)",
                "products": "Orphacel",
            },
        ],
    ),
    ("terminated_trials", {"status": "Withdrawn_Trial"}, []),
    (
        "trials",
        {},
        pick(
            TRIALS,
            "2099-000001-11",
            "2099-000003-33",
            "2099-000004-44",
            "2099-500001-11-00",
            "NCT09990002",
            "NCT09990005",
            "NCT09990011",
        ),
    ),
    ("trials", {"product": "EMEA-H-C-999001"}, pick(TRIALS, "NCT09990002")),
    ("trials", {"country": "NL"}, pick(TRIALS, "2099-000001-11")),
    (
        "trials",
        {"sponsor_type": "Industry", "status": "Terminated"},
        pick(TRIALS, "2099-000003-33"),
    ),
    ("trials", {"registry": "CTIS"}, pick(TRIALS, "2099-500001-11-00")),
    ("trials", {"phase": "Phase3"}, pick(TRIALS, "2099-000003-33", "2099-000004-44")),
    (
        "trials_per_class_phase_year",
        {},
        pick(
            TRIALS_PER_CLASS_PHASE_YEAR,
            "GTMP Phase2 2016",
            "GTMP Phase3 2016",
            "SCTMP Phase3 2016",
            "TEP Phase3 2016",
            "GTMP Phase1_2 2020",
            "GTMP Phase1 2024",
        ),
    ),
    (
        "trials_per_class_phase_year",
        {"from_year": "2017", "to_year": "2023"},
        pick(TRIALS_PER_CLASS_PHASE_YEAR, "GTMP Phase1_2 2020"),
    ),
]


def test_every_query_has_expected_rows(catalogue: dict[str, NamedQuery]) -> None:
    assert {query_id for query_id, _, _ in CASES} == set(catalogue)
    # Each query is also checked with at least one case that returns rows.
    assert {query_id for query_id, _, rows in CASES if rows} == set(catalogue)


@pytest.mark.parametrize(
    ("query_id", "params", "expected"),
    CASES,
    ids=[f"{q}-{i}" for i, (q, _, _) in enumerate(CASES)],
)
def test_query_returns_the_expected_rows(
    fixture_store: EmbeddedStore,
    catalogue: dict[str, NamedQuery],
    query_id: str,
    params: dict[str, str],
    expected: list[dict[str, str]],
) -> None:
    assert plain(catalogue[query_id].run(fixture_store, params)) == expected


# Queries with `#if bound(...)` blocks: run() sends the text specialised for the parameters
# given; a caller that does not specialise sends the file as written, which must answer the same.
ANCHORED = {q.id for q in load_catalogue().values() if "#if bound(" in q.sparql}


@pytest.mark.parametrize(
    ("query_id", "params", "expected"),
    [case for case in CASES if case[0] in ANCHORED],
    ids=[f"{q}-{i}" for i, (q, _, _) in enumerate(CASES) if q in ANCHORED],
)
def test_the_general_text_of_an_anchored_query_returns_the_same_rows(
    fixture_store: EmbeddedStore,
    catalogue: dict[str, NamedQuery],
    query_id: str,
    params: dict[str, str],
    expected: list[dict[str, str]],
) -> None:
    query = catalogue[query_id]
    general = fixture_store.query(query.paged_sparql(None, 0), query.terms(params))
    assert isinstance(general, SelectResult)
    assert plain(general) == expected
