"""HermiT (via owlready2) over the ontology, and over small instance modules.

Why this shape (DESIGN.md "Reasoning"): HermiT through owlready2 needs Java 17 with
`ignore_unsupported_datatypes` (xsd:date) and grows super-quadratically with individuals, so it is
run on the ontology and on small modules only; instance inferences at scale are SPARQL UPDATE
rules in the store. Each run happens in a child process with a hard time limit, because
owlready2 itself waits on Java forever.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from pyoxigraph import NamedNode, RdfFormat, Triple, parse, serialize

from graph_builder.errors import QueryTimeout, ValidationFailed
from ontology.errors import ReasonerError
from ontology.model import load_ontology_triples

DEFAULT_TIMEOUT: Final = 120.0
_WORKER: Final = Path(__file__).resolve().with_name("_hermit.py")
_EXIT_INCONSISTENT: Final = 3
_OWL_NOTHING: Final = NamedNode("http://www.w3.org/2002/07/owl#Nothing")
_OWL_EQUIVALENT_CLASS: Final = NamedNode("http://www.w3.org/2002/07/owl#equivalentClass")
_RDF_TYPE: Final = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


@dataclass(frozen=True)
class ReasoningResult:
    """What HermiT concluded.

    `inferred` holds only new facts between named terms (direct rdfs:subClassOf,
    owl:equivalentClass, most specific rdf:type), ready for the `inferred` graph."""

    consistent: bool
    inferred: list[Triple] = field(default_factory=list)
    unsatisfiable: list[str] = field(default_factory=list)
    seconds: float = 0.0
    report: str = ""

    def types(self) -> list[Triple]:
        """The inferred rdf:type triples (instance classification)."""
        return [t for t in self.inferred if t.predicate == _RDF_TYPE]


def _java(java: str | None) -> str:
    found = java or shutil.which("java")
    if not found:
        raise ReasonerError("HermiT needs Java (17+) on PATH; none was found")
    return found


def _run_hermit(triples: Iterable[Triple], timeout: float, java: str | None) -> ReasoningResult:
    java_exe = _java(java)
    with tempfile.TemporaryDirectory(prefix="atmp-kg-hermit-") as tmp:
        source, target = Path(tmp) / "input.nt", Path(tmp) / "inferred.nt"
        # N-Triples written by pyoxigraph is what owlready2 reads fastest and without rdflib.
        with source.open("wb") as out:
            serialize(triples, out, RdfFormat.N_TRIPLES)
        started = time.monotonic()
        # A new session makes the worker a process-group leader, so a timeout can stop the JVM
        # it starts as well (killing only the Python child would leave Java running).
        proc = subprocess.Popen(
            [sys.executable, str(_WORKER), str(source), str(target), java_exe],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            _, stderr_bytes = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise QueryTimeout(
                f"HermiT did not finish within {timeout:g} s; reason over a smaller module"
            ) from None
        seconds = time.monotonic() - started
        stderr = stderr_bytes.decode("utf-8", "replace").strip()
        if proc.returncode == _EXIT_INCONSISTENT:
            return ReasoningResult(consistent=False, seconds=seconds, report=stderr)
        if proc.returncode != 0:
            raise ReasonerError(f"HermiT failed (exit {proc.returncode}): {stderr[-2000:]}")
        inferred = [
            Triple(q.subject, q.predicate, q.object)
            for q in parse(path=target, format=RdfFormat.N_TRIPLES)
        ]
    unsatisfiable = sorted(
        t.subject.value
        for t in inferred
        if t.predicate == _OWL_EQUIVALENT_CLASS
        and t.object == _OWL_NOTHING
        and isinstance(t.subject, NamedNode)
    )
    return ReasoningResult(True, inferred, unsatisfiable, seconds, stderr)


def reason_ontology(
    *,
    include_alignments: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
    java: str | None = None,
    strict: bool = True,
) -> ReasoningResult:
    """Check the ontology's consistency and classify it.

    strict: raise ValidationFailed when the ontology is inconsistent or has an unsatisfiable
    named class (both are modelling errors that must not be published); otherwise report them.
    Raises QueryTimeout past `timeout` seconds and ReasonerError when Java/HermiT cannot run.
    """
    result = _run_hermit(
        load_ontology_triples(include_alignments=include_alignments), timeout, java
    )
    if strict and not result.consistent:
        raise ValidationFailed("the ontology is inconsistent (HermiT)", report=result.report)
    if strict and result.unsatisfiable:
        names = ", ".join(result.unsatisfiable)
        raise ValidationFailed(f"unsatisfiable classes in the ontology: {names}", report=names)
    return result


def reason_over(
    triples: Iterable[Triple],
    *,
    include_ontology: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
    java: str | None = None,
    strict: bool = True,
) -> ReasoningResult:
    """Classify a small instance module (ABox) against the ontology.

    Keep modules small (hundreds of individuals): HermiT's cost grows super-quadratically
    (DESIGN.md measured 14 s for 1.3k individuals, 250 s for 4.8k). strict: raise ValidationFailed
    when the data contradicts the ontology (e.g. a product typed both GTMP and SCTMP).
    """
    data = list(triples)
    if include_ontology:
        data = load_ontology_triples() + data
    result = _run_hermit(data, timeout, java)
    if strict and not result.consistent:
        raise ValidationFailed("the data contradict the ontology (HermiT)", report=result.report)
    return result
