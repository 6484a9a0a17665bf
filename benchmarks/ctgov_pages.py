"""Synthetic ClinicalTrials.gov API v2 pages (`{"studies": [...], "nextPageToken": ...}`, as
`GET /api/v2/studies?pageSize=1000` returns them; SOURCES.md §1). Each study has the modules a
real record has, including text the builder does not read, so parsing cost is realistic; every
brief title starts with the `[SYNTHETIC]` marker the `ctgov` source flags as illustrative."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any, Final

from benchmarks.world import (
    TITLE_WORDS,
    TrialCore,
    World,
    country_names,
    eudract,
    linked,
    nct,
    skewed,
    trial_core,
)

PAGE_SIZE: Final = 1000
STATUSES: Final = (
    ("COMPLETED", 0.35),
    ("RECRUITING", 0.2),
    ("ACTIVE_NOT_RECRUITING", 0.15),
    ("TERMINATED", 0.1),
    ("NOT_YET_RECRUITING", 0.05),
    ("WITHDRAWN", 0.05),
    ("UNKNOWN", 0.1),
)
PHASES: Final = {
    (1,): ["PHASE1"],
    (1, 2): ["PHASE1", "PHASE2"],
    (2,): ["PHASE2"],
    (2, 3): ["PHASE2", "PHASE3"],
    (3,): ["PHASE3"],
}
SUMMARY: Final = (
    "SYNTHETIC record for the atmp-kg benchmarks. This study evaluates the {what} of {product} "
    "in participants with {disease}. Participants receive a single infusion after "
    "lymphodepleting chemotherapy and are followed for up to fifteen years for delayed adverse "
    "events, persistence of the product and replication-competent vector."
)
ELIGIBILITY: Final = (
    "Inclusion Criteria:\n\n* Age 18 years or older\n* Measurable disease\n* Adequate organ "
    "function\n\nExclusion Criteria:\n\n* Active uncontrolled infection\n* Prior gene therapy"
)


def _date_struct(value: date, month_only: bool, kind: str) -> dict[str, str]:
    text = value.isoformat()[:7] if month_only else value.isoformat()
    return {"date": text, "type": kind}


def study(world: World, i: int) -> dict[str, Any]:
    """Study number `i` (deterministic in the world's seed and `i`)."""
    rng = random.Random(f"ctgov-{world.seed}-{i}")
    is_linked = linked(world, i)
    core: TrialCore = trial_core(world, i)
    nct_id = nct(i)
    product, disease, sponsor = core.product, core.disease, core.sponsor
    what = rng.choice(TITLE_WORDS)
    status = rng.choices([s for s, _ in STATUSES], [w for _, w in STATUSES])[0]
    secondary = [{"id": f"SYN-{i:07d}", "type": "OTHER", "domain": "Synthetic sponsor"}]
    if is_linked:
        secondary.append({"id": eudract(i), "type": "EUDRACT_NUMBER"})
    status_module: dict[str, Any] = {
        "statusVerifiedDate": "2025-01",
        "overallStatus": status,
        "expandedAccessInfo": {"hasExpandedAccess": False},
        "startDateStruct": _date_struct(core.start, rng.random() < 0.3, "ACTUAL"),
        "primaryCompletionDateStruct": _date_struct(core.end, rng.random() < 0.3, "ACTUAL"),
        "completionDateStruct": _date_struct(core.end, rng.random() < 0.3, "ACTUAL"),
        "studyFirstSubmitDate": core.start.isoformat(),
        "studyFirstPostDateStruct": _date_struct(core.start, False, "ACTUAL"),
        "lastUpdatePostDateStruct": {"date": "2025-01-15", "type": "ACTUAL"},
    }
    if status == "TERMINATED":
        status_module["whyStopped"] = "Synthetic: sponsor decision"
    has_results = status == "COMPLETED" and rng.random() < 0.5
    if has_results:
        status_module["resultsFirstPostDateStruct"] = _date_struct(core.end, False, "ACTUAL")
    collaborators = [
        {"name": skewed(rng, world.sponsors).name, "class": "OTHER"}
        for _ in range(rng.randrange(2))
    ]
    names = country_names()
    locations = []
    for _ in range(rng.randrange(1, 4)):
        site = skewed(rng, world.hospitals)
        locations.append(
            {
                "facility": site.name,
                "status": "RECRUITING",
                "city": site.city,
                "zip": "00000",
                "country": names[site.country],
            }
        )
    arms = [
        {
            "label": "Treatment",
            "type": "EXPERIMENTAL",
            "description": "Single infusion",
            "interventionNames": [f"Genetic: {product.code}"],
        }
    ]
    interventions = [
        {
            "type": "GENETIC" if product.atmp_class == "GTMP" else "BIOLOGICAL",
            "name": product.code,
            "description": f"SYNTHETIC {product.name}",
            "armGroupLabels": ["Treatment"],
            "otherNames": [product.name],
        },
        {"type": "DRUG", "name": "Fludarabine", "armGroupLabels": ["Treatment"]},
    ]
    conditions = [disease.name]
    if rng.random() < 0.3:
        conditions.append(skewed(rng, world.diseases).name)
    return {
        "protocolSection": {
            "identificationModule": {
                "nctId": nct_id,
                "orgStudyIdInfo": {"id": f"SYN-{i:07d}"},
                "secondaryIdInfos": secondary,
                "organization": {
                    "fullName": sponsor.name,
                    "class": "INDUSTRY" if sponsor.commercial else "OTHER",
                },
                "briefTitle": f"[SYNTHETIC] {what.capitalize()} of {product.code} in "
                f"{disease.name}",
                "officialTitle": f"[SYNTHETIC] A phase {'/'.join(map(str, core.phases))} study "
                f"of the {what} of {product.name} in {disease.name}",
                "acronym": f"SYN{i % 1000:03d}",
            },
            "statusModule": status_module,
            "sponsorCollaboratorsModule": {
                "responsibleParty": {"type": "SPONSOR"},
                "leadSponsor": {
                    "name": sponsor.name,
                    "class": "INDUSTRY" if sponsor.commercial else "OTHER",
                },
                "collaborators": collaborators,
            },
            "oversightModule": {"oversightHasDmc": True, "isFdaRegulatedDrug": False},
            "descriptionModule": {
                "briefSummary": SUMMARY.format(
                    what=what, product=product.name, disease=disease.name
                ),
            },
            "conditionsModule": {"conditions": conditions, "keywords": ["synthetic", "ATMP"]},
            "designModule": {
                "studyType": "INTERVENTIONAL",
                "phases": PHASES[core.phases],
                "designInfo": {
                    "allocation": "NA",
                    "interventionModel": "SINGLE_GROUP",
                    "primaryPurpose": "TREATMENT",
                    "maskingInfo": {"masking": "NONE"},
                },
                "enrollmentInfo": {"count": rng.randrange(5, 400), "type": "ACTUAL"},
            },
            "armsInterventionsModule": {"armGroups": arms, "interventions": interventions},
            "outcomesModule": {
                "primaryOutcomes": [
                    {"measure": "Incidence of adverse events", "timeFrame": "24 months"}
                ],
            },
            "eligibilityModule": {
                "eligibilityCriteria": ELIGIBILITY,
                "sex": "ALL",
                "minimumAge": "18 Years",
                "stdAges": ["ADULT"],
            },
            "contactsLocationsModule": {"locations": locations},
        },
        "derivedSection": {
            "miscInfoModule": {"versionHolder": "2025-01-15"},
            "conditionBrowseModule": {"meshes": [{"id": disease.mesh_id, "term": disease.name}]},
        },
        "hasResults": has_results,
    }


def pages(world: World) -> Iterator[tuple[int, dict[str, Any]]]:
    total = world.plan.ctgov_studies
    for page, first in enumerate(range(0, total, PAGE_SIZE), start=1):
        last = min(first + PAGE_SIZE, total)
        body: dict[str, Any] = {"studies": [study(world, i) for i in range(first, last)]}
        if last < total:
            body["nextPageToken"] = f"SYNTHETIC-{page + 1:06d}"
        yield page, body


def write(world: World, folder: Path) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    for page, body in pages(world):
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        (folder / f"studies-page-{page:05d}.json").write_text(text, encoding="utf-8")
    return world.plan.ctgov_studies
