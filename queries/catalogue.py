"""The named-query catalogue: `queries/<topic>/<query_id>.rq`, each a SPARQL SELECT with a
grlc-style `#+` YAML header, loaded into `NamedQuery` objects whose parameters are validated
by type and bound as RDF terms (a VALUES block, graph_builder.store.bindings) — never spliced
into the query text.

Interface contract (the API and the CLI build on these names; keep them stable):

- `load_catalogue(root: Path | None = None) -> dict[str, NamedQuery]` — every query, by id.
- `get_query(query_id, catalogue=None) -> NamedQuery` — raises `NotFound` for an unknown id.
- `NamedQuery` fields: `id, topic, summary, description, tags, parameters: list[Parameter],
  example: dict[str, str], sparql, path, competency: list[str], live: str | None`.
- `NamedQuery.run(store, params: Mapping[str, str], *, limit: int | None = None, offset: int = 0)
  -> SelectResult` — validates `params` (raises `ParameterError` naming the parameter), binds
  them as RDF terms, pushes `LIMIT`/`OFFSET` into the SPARQL (every query has a total
  `ORDER BY`, so pages are stable). A query with `live:` in its header (the manufacturability
  queries) is answered by `graph_builder.manufacturability.assess` when its `on` date is given,
  with the same columns and order as the materialised answer.
- `NamedQuery.terms(params) -> dict[str, Term]` — the validated RDF terms, without running.
- `Parameter` fields: `name, type, required, default, allowed, description, pattern,
  namespace, minimum, maximum, max_length`; `Parameter.to_term(text) -> Term`.
- `PARAMETER_TYPES` — the type names a header may use.

Anchored blocks: an optional parameter tested with `FILTER(!BOUND(?p) || EXISTS {...})` makes
the engine test every row; a query can instead say what to match when the parameter is given,
in lines the catalogue enables only then (`specialise`):

    #if bound(?nct)
    #|  ?x atmp:nctNumber ?nct .
    #|  ?x (owl:sameAs|^owl:sameAs)* ?trial .
    #end
    #if general
      FILTER (!BOUND(?nct) || EXISTS { ?trial (owl:sameAs|^owl:sameAs)* ?x . ?x ... })
    #end

A `bound` block's lines are comments (`#|`) in the file and a `general` block's are live SPARQL,
so the file as written is the general query, valid and correct for every parameter set (what a
caller that does not specialise runs). Specialised for the parameters given, the `bound` blocks
whose parameters are all given are uncommented and the `general` blocks are left out: every
parameter a `general` block tests must have a `bound` block of its own.

Header format (see docs/queries.md):

    #+ summary: One line.
    #+ description: What it answers and how.
    #+ competency: [H3]
    #+ tags: [materials, hub]
    #+ parameters:
    #+   grade: {type: enum, allowed: [GMPGrade, ResearchUseOnly], namespace: atmp, required: false}
    #+ example: {grade: GMPGrade}
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote

import yaml
from pyoxigraph import Literal, NamedNode

from graph_builder import iris
from graph_builder.errors import NotFound, ParameterError, QuerySyntaxError
from graph_builder.literals import FALSE, TRUE, date_literal, integer_literal
from graph_builder.namespaces import ID, PREFIXES
from graph_builder.store.base import SelectResult, Store, Term
from queries.live import run_live

ROOT: Final = Path(__file__).resolve().parent

PARAMETER_TYPES: Final = (
    "iri",
    "string",
    "int",
    "date",
    "boolean",
    "enum",
    "country",
    "eudract",
    "euct",
    "nct",
    "ema_number",
)
# Identifier types: value pattern (from graph_builder.iris where it defines one).
_IDENTIFIER_PATTERNS: Final[dict[str, re.Pattern[str]]] = {
    "eudract": iris.EUDRACT_RE,
    "euct": iris.EUCT_RE,
    "nct": iris.NCT_RE,
    "ema_number": iris.EMA_NUMBER_RE,
}
_SPEC_KEYS: Final = frozenset(
    {
        "type",
        "required",
        "default",
        "allowed",
        "description",
        "pattern",
        "namespace",
        "minimum",
        "maximum",
        "max_length",
    }
)
_HEADER_KEYS: Final = frozenset(
    {"summary", "description", "tags", "parameters", "example", "competency", "live"}
)
_VARIABLE: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ID: Final = re.compile(r"[a-z][a-z0-9_]*")
# Characters an IRI reference may not contain (RFC 3987 / SPARQL IRIREF) — anything here would
# be a syntax error at best, so it is refused before a term is built.
_IRI: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`\x00-\x1f\x7f]*")
_KEY: Final = re.compile(r"[A-Za-z0-9._~\-/%]+")
_CONTROL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_INT: Final = re.compile(r"[+-]?\d{1,18}")
_TRUE: Final = frozenset({"true", "1", "yes"})
_FALSE: Final = frozenset({"false", "0", "no"})
DEFAULT_MAX_LENGTH: Final = 200
MAX_IRI_LENGTH: Final = 2000
MAX_PAGE: Final = 100_000
TODAY: Final = "today"
# Comments, strings and IRIs, which may contain words like LIMIT without being syntax.
_NON_SYNTAX: Final = re.compile(
    r'#[^\n]*|"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\x00-\x20]*>',
    re.DOTALL,
)

# `#if bound(?a ?b)` / `#if general` ... `#end`, each on a line of its own.
_BLOCK: Final = re.compile(
    r"^[ \t]*#if[ \t]+(bound\(([^)\n]*)\)|general)[ \t]*\n(.*?)^[ \t]*#end[ \t]*(?:\n|\Z)",
    re.MULTILINE | re.DOTALL,
)
_BLOCK_WORD: Final = re.compile(r"^[ \t]*#(?:if|end)\b", re.MULTILINE)
_ENABLED: Final = re.compile(r"^([ \t]*)#\|", re.MULTILINE)


@dataclass(frozen=True)
class Parameter:
    """One typed parameter of a named query; `name` is also the SPARQL variable it binds."""

    name: str
    type: str
    required: bool = False
    default: str | None = None
    allowed: tuple[str, ...] = ()
    description: str = ""
    pattern: str | None = None
    namespace: str | None = None
    minimum: int | None = None
    maximum: int | None = None
    max_length: int = DEFAULT_MAX_LENGTH

    def to_term(self, text: str) -> Term:
        """The RDF term for a value given as text; ParameterError (naming this parameter) if
        the text is not a value of the type."""
        if not isinstance(text, str):
            raise self._error(f"expected text, got {type(text).__name__}")
        value = text.strip()
        longest = MAX_IRI_LENGTH if self.type == "iri" else self.max_length
        if len(value) > longest:
            raise self._error(f"value longer than {longest} characters")
        if self.allowed and self.type != "enum" and value not in self.allowed:
            raise self._error(f"{value!r} is not one of {', '.join(self.allowed)}")
        if self.pattern is not None and not re.fullmatch(self.pattern, value):
            raise self._error(f"{value!r} does not match {self.pattern}")
        converter = _CONVERTERS[self.type]
        return converter(self, value)

    def _error(self, message: str) -> ParameterError:
        return ParameterError(f"parameter {self.name} ({self.type}): {message}")


def _to_iri(p: Parameter, value: str) -> Term:
    if p.namespace is not None and not _IRI.fullmatch(value):
        # A bare key inside the parameter's namespace, e.g. EMEA-H-C-004090 for a product.
        if not _KEY.fullmatch(value) or ".." in value.split("/"):
            raise p._error(f"{value!r} is neither an IRI nor a key in {p.namespace}")
        value = p.namespace + quote(value, safe="-._~/%")
    if not value or not _IRI.fullmatch(value):
        raise p._error(f"{value!r} is not an absolute IRI")
    if p.namespace is not None and not value.startswith(p.namespace):
        raise p._error(f"{value!r} is not in {p.namespace}")
    return NamedNode(value)


def _to_string(p: Parameter, value: str) -> Term:
    if _CONTROL.search(value):
        raise p._error("control characters are not allowed")
    return Literal(value)


def _to_int(p: Parameter, value: str) -> Term:
    if not _INT.fullmatch(value):
        raise p._error(f"{value!r} is not an integer")
    number = int(value)
    if p.minimum is not None and number < p.minimum:
        raise p._error(f"{number} is less than {p.minimum}")
    if p.maximum is not None and number > p.maximum:
        raise p._error(f"{number} is more than {p.maximum}")
    return integer_literal(number)


def parse_date(value: str) -> date:
    """An ISO date (YYYY-MM-DD) or 'today'; ValueError otherwise."""
    if value.lower() == TODAY:
        return date.today()
    if not _DATE.fullmatch(value):
        raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)")
    return date.fromisoformat(value)


def _to_date(p: Parameter, value: str) -> Term:
    try:
        day = parse_date(value)
    except ValueError as exc:
        raise p._error(str(exc)) from None
    return date_literal(day)


def _to_boolean(p: Parameter, value: str) -> Term:
    lowered = value.lower()
    if lowered in _TRUE:
        return TRUE
    if lowered in _FALSE:
        return FALSE
    raise p._error(f"{value!r} is not a boolean (true/false)")


def _to_enum(p: Parameter, value: str) -> Term:
    if value not in p.allowed:
        raise p._error(f"{value!r} is not one of {', '.join(p.allowed)}")
    return NamedNode(p.namespace + value) if p.namespace else Literal(value)


def _to_country(p: Parameter, value: str) -> Term:
    if not re.fullmatch(r"[A-Za-z]{2}", value):
        raise p._error(f"{value!r} is not an ISO 3166-1 alpha-2 code")
    return iris.country(value)


def _to_identifier(p: Parameter, value: str) -> Term:
    normalised = value.upper()
    if not _IDENTIFIER_PATTERNS[p.type].fullmatch(normalised):
        raise p._error(f"{value!r} is not a valid {p.type} identifier")
    return Literal(normalised)


_CONVERTERS: Final = {
    "iri": _to_iri,
    "string": _to_string,
    "int": _to_int,
    "date": _to_date,
    "boolean": _to_boolean,
    "enum": _to_enum,
    "country": _to_country,
    **{kind: _to_identifier for kind in _IDENTIFIER_PATTERNS},
}


@dataclass(frozen=True)
class NamedQuery:
    id: str
    topic: str
    summary: str
    description: str
    tags: list[str]
    parameters: list[Parameter]
    example: dict[str, str]
    sparql: str
    path: Path
    competency: list[str] = field(default_factory=list)
    live: str | None = None

    def parameter(self, name: str) -> Parameter:
        for p in self.parameters:
            if p.name == name:
                return p
        known = ", ".join(p.name for p in self.parameters) or "none"
        raise ParameterError(f"unknown parameter {name!r} for query {self.id} (known: {known})")

    def values(self, params: Mapping[str, str]) -> dict[str, str]:
        """The effective text value of each parameter: given, else its default; checks that
        every name is known and every required parameter is present."""
        for name in params:
            self.parameter(name)
        effective: dict[str, str] = {}
        for p in self.parameters:
            given = params.get(p.name)
            if given is not None and given.strip() != "":
                effective[p.name] = given
            elif p.default is not None:
                effective[p.name] = p.default
            elif p.required:
                raise ParameterError(f"parameter {p.name} ({p.type}) is required by {self.id}")
        return effective

    def terms(self, params: Mapping[str, str]) -> dict[str, Term]:
        """The validated RDF term of every parameter that has a value."""
        return {
            name: self.parameter(name).to_term(text) for name, text in self.values(params).items()
        }

    def paged_sparql(
        self, limit: int | None, offset: int, bound: Collection[str] | None = None
    ) -> str:
        """The query with LIMIT/OFFSET appended (both checked integers, not user text); with
        `bound` (the names of the parameters given, e.g. the keys of `terms()`), specialised
        for them (see `specialise`). Without it, the general query, correct for any binding."""
        check_page(limit, offset)
        tail = ""
        if limit is not None:
            tail += f"\nLIMIT {int(limit)}"
        if offset:
            tail += f"\nOFFSET {int(offset)}"
        text = self.sparql if bound is None else specialise(self.sparql, bound)
        return text.rstrip() + tail + "\n"

    def run(
        self,
        store: Store,
        params: Mapping[str, str],
        *,
        limit: int | None = None,
        offset: int = 0,
    ) -> SelectResult:
        terms = self.terms(params)
        check_page(limit, offset)
        if self.live is not None and self.live in terms:
            return run_live(self, store, terms, limit=limit, offset=offset)
        result = store.query(self.paged_sparql(limit, offset, terms), terms)
        if not isinstance(result, SelectResult):
            raise QuerySyntaxError(f"query {self.id} is not a SELECT query")
        return result


def check_page(limit: int | None, offset: int) -> None:
    if limit is not None and not 0 <= limit <= MAX_PAGE:
        raise ParameterError(f"parameter limit: must be between 0 and {MAX_PAGE}")
    if offset < 0:
        raise ParameterError("parameter offset: must not be negative")


def specialise(sparql: str, bound: Collection[str]) -> str:
    """The query for the parameters named in `bound`: each `#if bound(...)` block whose
    parameters are all given is uncommented; the other `bound` blocks and every `#if general`
    block are left out. Only lines of the file are chosen: no parameter value enters the text."""

    def choose(block: re.Match[str]) -> str:
        if block.group(1) == "general":
            return ""
        wanted = _block_names(block.group(2)) <= set(bound)
        return _ENABLED.sub(r"\1", block.group(3)) if wanted else ""

    return _BLOCK.sub(choose, sparql)


def _block_names(text: str) -> set[str]:
    return {name.lstrip("?$") for name in text.split()}


def _check_blocks(sparql: str, parameters: Collection[str], path: Path) -> None:
    blocks = list(_BLOCK.finditer(sparql))
    if len(_BLOCK_WORD.findall(sparql)) != 2 * len(blocks):
        raise QuerySyntaxError(f"{path}: an #if block is not closed by #end, or is nested")
    anchored: set[str] = set()
    for block in blocks:
        if block.group(1) == "general":
            continue
        names = _block_names(block.group(2))
        if not names or not names <= set(parameters):
            raise QuerySyntaxError(f"{path}: #if {block.group(1)} must name parameters")
        if re.search(r"^[ \t]*(?!#\|)\S", block.group(3), re.MULTILINE):
            raise QuerySyntaxError(f"{path}: the lines of an #if bound block start with #|")
        anchored |= names
    for block in blocks:
        if block.group(1) == "general":
            tested = {p for p in parameters if re.search(rf"[?$]{p}\b", block.group(3))}
            if not tested <= anchored:
                missing = ", ".join(sorted(tested - anchored))
                raise QuerySyntaxError(
                    f"{path}: #if general tests {missing}, which no #if bound block matches"
                )


def strip_non_syntax(sparql: str) -> str:
    """The query without comments, strings and IRIs — for checks on its keywords."""
    return _NON_SYNTAX.sub(" ", sparql)


# YAML 1.2 booleans only, so that a parameter called `on` (or a value `no`) stays a string.
_HeaderLoader: Any = type("_HeaderLoader", (yaml.SafeLoader,), {})
_HeaderLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_HeaderLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _header_and_body(text: str) -> tuple[str, str]:
    header_lines: list[str] = []
    lines = text.splitlines(keepends=True)
    i = 0
    while i < len(lines) and lines[i].startswith("#+"):
        content = lines[i][2:]
        header_lines.append(content[1:] if content.startswith(" ") else content)
        i += 1
    return "".join(header_lines), "".join(lines[i:])


def _expand_namespace(value: object, path: Path) -> str | None:
    if value is None:
        return None
    text = str(value)
    # A prefix name from graph_builder.namespaces, or `id:<type>` for instance IRIs.
    if text in PREFIXES:
        return PREFIXES[text]
    if text.startswith("id:"):
        type_segment = text[3:]
        if type_segment not in iris.TYPES:
            raise QuerySyntaxError(f"{path}: unknown IRI type {type_segment!r} in namespace")
        return ID + type_segment + "/"
    if _IRI.fullmatch(text):
        return text
    raise QuerySyntaxError(f"{path}: namespace {text!r} is not a prefix or an IRI")


def _parameter(name: str, spec: Any, path: Path) -> Parameter:
    where = f"{path}: parameter {name}"
    if not _VARIABLE.fullmatch(name):
        raise QuerySyntaxError(f"{where}: not a valid SPARQL variable name")
    if not isinstance(spec, dict):
        raise QuerySyntaxError(f"{where}: expected a mapping")
    unknown = set(spec) - _SPEC_KEYS
    if unknown:
        raise QuerySyntaxError(f"{where}: unknown keys {sorted(unknown)}")
    kind = spec.get("type")
    if kind not in PARAMETER_TYPES:
        raise QuerySyntaxError(f"{where}: type {kind!r} is not one of {PARAMETER_TYPES}")
    allowed = tuple(str(a) for a in spec.get("allowed") or ())
    if kind == "enum" and not allowed:
        raise QuerySyntaxError(f"{where}: an enum needs allowed values")
    default = spec.get("default")
    p = Parameter(
        name=name,
        type=kind,
        required=bool(spec.get("required", False)),
        default=None if default is None else _yaml_text(default),
        allowed=allowed,
        description=str(spec.get("description", "")).strip(),
        pattern=spec.get("pattern"),
        namespace=_expand_namespace(spec.get("namespace"), path),
        minimum=spec.get("minimum"),
        maximum=spec.get("maximum"),
        max_length=int(spec.get("max_length", DEFAULT_MAX_LENGTH)),
    )
    if p.required and p.default is not None:
        raise QuerySyntaxError(f"{where}: a required parameter cannot have a default")
    try:
        if p.default is not None:
            p.to_term(p.default)
        for value in p.allowed:
            p.to_term(value)
    except ParameterError as exc:
        raise QuerySyntaxError(f"{path}: bad default or allowed value: {exc}") from None
    return p


def _yaml_text(value: object) -> str:
    """YAML turns `true`, `2024-01-01` and `12` into Python values; parameters are text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def parse_query_file(path: Path, topic: str | None = None) -> NamedQuery:
    """One `.rq` file as a NamedQuery; QuerySyntaxError (naming the file) if its header or its
    form breaks the catalogue's rules."""
    text = path.read_text(encoding="utf-8")
    header_text, body = _header_and_body(text)
    try:
        header = yaml.load(header_text, _HeaderLoader) if header_text.strip() else None
    except yaml.YAMLError as exc:
        raise QuerySyntaxError(f"{path}: the #+ header is not valid YAML: {exc}") from None
    if not isinstance(header, dict):
        raise QuerySyntaxError(f"{path}: missing the #+ YAML header")
    unknown = set(header) - _HEADER_KEYS
    if unknown:
        raise QuerySyntaxError(f"{path}: unknown header keys {sorted(unknown)}")
    for key in ("summary", "description"):
        if not str(header.get(key, "")).strip():
            raise QuerySyntaxError(f"{path}: the header needs a {key}")
    specs = header.get("parameters") or {}
    if not isinstance(specs, dict):
        raise QuerySyntaxError(f"{path}: parameters must be a mapping of name to spec")
    parameters = [_parameter(str(name), spec, path) for name, spec in specs.items()]
    syntax = strip_non_syntax(body)
    if not re.search(r"\bSELECT\b", syntax, re.IGNORECASE):
        raise QuerySyntaxError(f"{path}: a named query must be a SELECT query")
    if not re.search(r"\bORDER\s+BY\b", syntax, re.IGNORECASE):
        raise QuerySyntaxError(f"{path}: a named query needs ORDER BY so that pages are stable")
    if re.search(r"\b(LIMIT|OFFSET)\b", syntax[syntax.rfind("}") :], re.IGNORECASE):
        raise QuerySyntaxError(f"{path}: pagination is added by the loader; remove LIMIT/OFFSET")
    where = re.search(r"\bWHERE\b", syntax, re.IGNORECASE)
    if where is None or "{" in syntax[: where.start()]:
        # Parameters are bound in the first group of the query, which must be the WHERE group.
        raise QuerySyntaxError(f"{path}: write the WHERE keyword, and no group before it")
    for p in parameters:
        if not re.search(rf"[?$]{p.name}\b", syntax):
            raise QuerySyntaxError(f"{path}: parameter {p.name} is not a variable of the query")
    _check_blocks(body, [p.name for p in parameters], path)
    live = header.get("live")
    if live is not None and live not in {p.name for p in parameters}:
        raise QuerySyntaxError(f"{path}: live names {live!r}, which is not a parameter")
    query = NamedQuery(
        id=path.stem,
        topic=topic or path.parent.name,
        summary=" ".join(str(header["summary"]).split()),
        description=str(header["description"]).strip(),
        tags=[str(t) for t in header.get("tags") or []],
        parameters=parameters,
        example={str(k): _yaml_text(v) for k, v in (header.get("example") or {}).items()},
        sparql=body.lstrip("\n"),
        path=path,
        competency=[str(c) for c in header.get("competency") or []],
        live=None if live is None else str(live),
    )
    if not _ID.fullmatch(query.id):
        raise QuerySyntaxError(f"{path}: query ids are lower_snake_case")
    try:
        query.terms(query.example)
    except ParameterError as exc:
        raise QuerySyntaxError(f"{path}: the example is not valid: {exc}") from None
    return query


def load_catalogue(root: Path | None = None) -> dict[str, NamedQuery]:
    """Every `<topic>/<query_id>.rq` under `root` (default: this package), by query id."""
    if root is None:
        return dict(_default_catalogue())
    return _load(root)


@cache
def _default_catalogue() -> dict[str, NamedQuery]:
    return _load(ROOT)


def _load(root: Path) -> dict[str, NamedQuery]:
    catalogue: dict[str, NamedQuery] = {}
    for path in sorted(root.glob("*/*.rq")):
        query = parse_query_file(path)
        if query.id in catalogue:
            raise QuerySyntaxError(
                f"{path}: query id {query.id} also in {catalogue[query.id].path}"
            )
        catalogue[query.id] = query
    return catalogue


def get_query(query_id: str, catalogue: Mapping[str, NamedQuery] | None = None) -> NamedQuery:
    queries = load_catalogue() if catalogue is None else catalogue
    try:
        return queries[query_id]
    except KeyError:
        raise NotFound(f"no query {query_id!r}; see `atmp-kg query --list`") from None


__all__ = [
    "PARAMETER_TYPES",
    "NamedQuery",
    "Parameter",
    "get_query",
    "load_catalogue",
    "parse_date",
    "parse_query_file",
    "specialise",
]
