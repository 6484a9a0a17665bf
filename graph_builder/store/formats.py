"""RDF in and query results out, shared by both store backends, the query workers and the CLI.

- `read_triples`: the triples of an RDF document, with a one-line error naming the file.
- `to_query_result`: pyoxigraph's query answer (from a store or parsed from SPARQL results
  bytes) as the project's `QueryResult`.
- `write_result`: a `QueryResult` in a SPARQL results syntax (JSON, XML, CSV, TSV) or, for a
  CONSTRUCT/DESCRIBE answer, an RDF syntax.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import BinaryIO, Final

import pyoxigraph as ox

from graph_builder.errors import InputError, ParameterError
from graph_builder.namespaces import PREFIXES, XSD
from graph_builder.store.base import QueryResult, SelectResult, Term

RESULT_FORMATS: Final[dict[str, ox.QueryResultsFormat]] = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS: Final[dict[str, ox.RdfFormat]] = {
    "nt": ox.RdfFormat.N_TRIPLES,
    "ttl": ox.RdfFormat.TURTLE,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdf": ox.RdfFormat.RDF_XML,
}
_XSD_STRING: Final = XSD + "string"


def read_triples(source: BinaryIO, fmt: ox.RdfFormat, name: str) -> Iterator[ox.Triple]:
    """The triples of an RDF document read as it streams; the quads of a dataset syntax (N-Quads,
    TriG) lose their graph name. Bad syntax raises InputError naming `name` and the position."""
    try:
        for quad in ox.parse(source, fmt):
            yield quad.triple
    except SyntaxError as exc:
        raise InputError(f"not valid {fmt.name}: {exc}".replace("\n", " "), file=name) from None


def to_query_result(result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> QueryResult:
    if isinstance(result, ox.QueryBoolean):
        return bool(result)
    if isinstance(result, ox.QuerySolutions):
        variables = [v.value for v in result.variables]
        rows = [
            {name: term for name in variables if (term := solution[name]) is not None}
            for solution in result
        ]
        return SelectResult(variables, rows)
    return list(result)


def write_result(result: QueryResult, out: BinaryIO, fmt: str) -> None:
    """Write `result` as `fmt`: json | xml | csv | tsv for SELECT/ASK, nt | ttl | jsonld | rdf
    for CONSTRUCT/DESCRIBE. A format that does not fit the answer raises ParameterError."""
    if isinstance(result, list):
        if fmt not in GRAPH_FORMATS:
            choices = ", ".join(GRAPH_FORMATS)
            raise ParameterError(f"a CONSTRUCT/DESCRIBE answer is a graph: use one of {choices}")
        ox.serialize(result, out, GRAPH_FORMATS[fmt], prefixes=PREFIXES)
        return
    if fmt not in RESULT_FORMATS:
        choices = ", ".join(RESULT_FORMATS)
        raise ParameterError(f"a SELECT/ASK answer is a table: use one of {choices}")
    encoded = json.dumps(results_json(result), ensure_ascii=False).encode()
    if fmt == "json":
        out.write(encoded)
        return
    # pyoxigraph writes the other syntaxes exactly to their specs; it only needs parsed results.
    ox.parse_query_results(encoded, ox.QueryResultsFormat.JSON).serialize(out, RESULT_FORMATS[fmt])


def results_json(result: SelectResult | bool) -> dict[str, object]:
    """The SPARQL 1.1 Query Results JSON document of a SELECT or ASK answer."""
    if isinstance(result, bool):
        return {"head": {}, "boolean": result}
    return {
        "head": {"vars": result.variables},
        "results": {
            "bindings": [{name: _json_term(term) for name, term in row.items()} for row in result]
        },
    }


def _json_term(term: Term) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    encoded = {"type": "literal", "value": term.value}
    if term.language:
        encoded["xml:lang"] = term.language
    elif term.datatype.value != _XSD_STRING:
        encoded["datatype"] = term.datatype.value
    return encoded
