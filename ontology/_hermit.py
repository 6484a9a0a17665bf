"""Child-process worker: run HermiT (through owlready2) on one N-Triples file.

Run as a script by ontology.reasoning, never imported by the package. It lives in its own process
so that the parent can enforce a time limit: owlready2 starts Java with no timeout, and killing
this process group stops the JVM too. It imports nothing from the project so that it runs from
its file path whatever the child's sys.path is.

usage: python _hermit.py INPUT.nt OUTPUT.nt JAVA_EXE
exit codes: 0 done (OUTPUT holds the inferred triples), 3 inconsistent, 4 reasoner failure.
"""

from __future__ import annotations

import sys
from pathlib import Path

EXIT_INCONSISTENT = 3
EXIT_FAILURE = 4
# owlready2 writes HermiT's new facts into this ontology
# (owlready2.reasoning._INFERRENCES_ONTOLOGY).
INFERENCES_ONTOLOGY = "http://inferrences/"


def main(argv: list[str]) -> int:
    source, target, java = Path(argv[1]), Path(argv[2]), argv[3]
    import owlready2

    owlready2.JAVA_EXE = java
    world = owlready2.World()
    world.get_ontology(source.as_uri()).load(format="ntriples")
    try:
        # xsd:date is not in the OWL 2 datatype map; HermiT refuses it unless told to ignore it.
        owlready2.sync_reasoner_hermit(
            world, infer_property_values=False, debug=0, ignore_unsupported_datatypes=True
        )
    except owlready2.OwlReadyInconsistentOntologyError:
        print("HermiT: the ontology (with the given data) is inconsistent", file=sys.stderr)
        return EXIT_INCONSISTENT
    except owlready2.OwlReadyJavaError as err:
        print(f"HermiT failed: {err}", file=sys.stderr)
        return EXIT_FAILURE
    inferred = world.get_ontology(INFERENCES_ONTOLOGY)
    header = INFERENCES_ONTOLOGY.rstrip("/")
    lines = []
    for s, p, o in inferred.get_triples():
        # Negative storids are blank nodes (anonymous class expressions): not wanted in the graph.
        if not (isinstance(o, int) and s > 0 and o > 0):
            continue
        subject, predicate, obj = (world._unabbreviate(x) for x in (s, p, o))
        if subject == header:
            continue
        lines.append(f"<{subject}> <{predicate}> <{obj}> .\n")
    target.write_text("".join(lines), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
