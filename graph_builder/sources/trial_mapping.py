"""Statements the trial registers (`euctr`, `ctis`) make the same way: a member state's
authorisation decision and its competent authority, the sponsor's declaration that a product is
an ATMP, and whether the trial is an ATMP trial."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from pyoxigraph import Literal, NamedNode, Triple

from graph_builder import iris
from graph_builder.literals import boolean_literal, date_literal
from graph_builder.namespaces import RDF_TYPE, RDFS_LABEL, atmp, dct


def decision_triples(
    auth: NamedNode,
    country: NamedNode,
    decision: str | None,
    decided_on: date | None,
    authority: str | None,
) -> list[Triple]:
    """What a member state decided on a trial, when, and the competent authority that did."""
    triples: list[Triple] = []
    if decision:
        triples.append(Triple(auth, atmp("authorisationDecision"), Literal(decision)))
    if decided_on:
        triples.append(Triple(auth, dct("date"), date_literal(decided_on)))
    if authority:
        org = iris.org(name=authority)
        triples += [
            Triple(org, RDF_TYPE, atmp("Organisation")),
            Triple(org, RDFS_LABEL, Literal(authority)),
            Triple(org, atmp("orgType"), atmp("CompetentAuthority")),
            Triple(org, atmp("country"), country),
            Triple(auth, atmp("competentAuthority"), org),
        ]
    return triples


def self_classification_triples(
    product: NamedNode, assertion: NamedNode, cls: str, sponsor: NamedNode | None
) -> list[Triple]:
    """The sponsor's declaration, in the register, that the product is of ATMP class `cls`
    (the caller types the assertion node, as it knows whether the record owns it)."""
    triples = [
        Triple(product, atmp("hasClassification"), assertion),
        Triple(assertion, atmp("assertsClass"), atmp(cls)),
        Triple(assertion, atmp("classificationSource"), atmp("SponsorSelfClassification")),
    ]
    if sponsor is not None:
        triples.append(Triple(assertion, atmp("assertedBy"), sponsor))
    return triples


def atmp_trial_triples(trial: NamedNode, flags: Sequence[bool | None]) -> list[Triple]:
    """isATMPTrial from the products' ATMP flags: true when any product is an ATMP, false only
    when every product says it is not (a product that does not say leaves it open)."""
    if any(flags):
        return [Triple(trial, atmp("isATMPTrial"), boolean_literal(True))]
    if flags and all(flag is False for flag in flags):
        return [Triple(trial, atmp("isATMPTrial"), boolean_literal(False))]
    return []
