"""A substring index of the names (labels, titles, INNs …) and identifiers of the graph's
entities: what a search box needs, without scanning every label of the store per request.

Oxigraph has no text index, so `CONTAINS(LCASE(?label), …)` reads every label (≈ 400 ms at 1M
triples). The index is built in memory from one SPARQL SELECT and answers in about a
millisecond: names in an SQLite FTS5 table with the trigram tokenizer (any text of three or more
characters), shorter texts by a scan of one byte string, identifiers in a dictionary. Matches
are checked against the lower-cased text in Python, so the answer is exactly
"the lower-cased name contains the lower-cased text", whatever the tokenizer folds.

    index = fetch(store, names=[RDFS + "label", ...], identifiers=[ATMP + "nctNumber", ...])
    index.containing("kymr")        # -> [Entry(subject, predicate, text), ...]
    index.identified_by("nct0001")  # -> identifier entries whose value equals it, ignoring case

Only IRIs under the instance namespace (`https://w3id.org/atmp-kg/id/`) are indexed. An index
never changes once built; one per published store version (graph_builder.per_version). Safe to
use from many threads at once.
"""

from __future__ import annotations

import sqlite3
import threading
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Final

from pyoxigraph import NamedNode

from graph_builder.namespaces import ID
from graph_builder.sparql import select
from graph_builder.store.base import Store

# The trigram tokenizer finds texts of at least this many characters (SQLite >= 3.34).
TRIGRAM: Final = 3
_SEPARATOR: Final = b"\x00"

_TEXTS: Final = """
SELECT ?s ?p ?text WHERE {
  VALUES ?p { ?predicates }
  ?s ?p ?text .
}"""


@dataclass(frozen=True)
class Entry:
    subject: str
    predicate: str
    text: str


class LabelIndex:
    def __init__(self, names: Iterable[Entry], identifiers: Iterable[Entry] = ()) -> None:
        self._names = list(names)
        self._lowered = [e.text.lower() for e in self._names]
        self._identifiers: dict[str, list[Entry]] = defaultdict(list)
        for entry in identifiers:
            self._identifiers[entry.text.upper()].append(entry)
        encoded = [t.encode() for t in self._lowered]
        self._blob = _SEPARATOR.join(encoded)
        self._starts: list[int] = []
        position = 0
        for text in encoded:
            self._starts.append(position)
            position += len(text) + len(_SEPARATOR)
        self._db = _trigram_table(self._lowered)
        self._db_lock = threading.Lock()
        # How many names hold each trigram: a search asks for its two rarest (a phrase query
        # merges the position lists of every trigram, the common ones too).
        self._frequency: dict[str, int] = {}
        if self._db is not None:
            self._db.execute("CREATE VIRTUAL TABLE trigrams USING fts5vocab(names, 'row')")
            self._frequency = dict(self._db.execute("SELECT term, doc FROM trigrams"))

    def __len__(self) -> int:
        return len(self._names) + sum(map(len, self._identifiers.values()))

    def containing(self, text: str) -> list[Entry]:
        """The names whose lower-cased text contains `text` lower-cased, in index order."""
        needle = text.lower()
        # SQLite ends a string at NUL, so such a text is looked for by the scan too.
        trigrams = len(needle) >= TRIGRAM and "\x00" not in needle
        candidates = self._trigram_matches(needle) if trigrams else None
        if candidates is None:
            return [self._names[i] for i in self._scan(needle.encode())]
        return [self._names[i] for i in candidates if needle in self._lowered[i]]

    def identified_by(self, identifier: str) -> list[Entry]:
        """The identifiers whose value upper-cased equals `identifier` upper-cased."""
        return list(self._identifiers.get(identifier.upper(), ()))

    def _trigram_matches(self, needle: str) -> list[int] | None:
        if self._db is None:
            return None
        grams = {needle[i : i + TRIGRAM] for i in range(len(needle) - TRIGRAM + 1)}
        if grams <= self._frequency.keys():
            rarest = sorted(grams, key=lambda g: (self._frequency[g], g))[:2]
            expression = " AND ".join(map(_quoted, rarest))
        else:
            # A trigram no name holds (or one the tokenizer folds otherwise): the phrase query
            # finds nothing quickly, or folds like the tokenizer did.
            expression = _quoted(needle)
        with self._db_lock:
            rows = self._db.execute("SELECT rowid FROM names WHERE names MATCH ?", (expression,))
            return [i for (i,) in rows]

    def _scan(self, needle: bytes) -> Iterator[int]:
        """Entries containing `needle` (UTF-8 is self-synchronising: a byte match is a
        character match); a match across a separator is not one."""
        blob, starts, last = self._blob, self._starts, len(self._starts) - 1
        at = blob.find(needle)
        while at >= 0:
            i = bisect_right(starts, at) - 1
            end = starts[i + 1] - len(_SEPARATOR) if i < last else len(blob)
            if at + len(needle) > end:
                at = blob.find(needle, at + 1)
                continue
            yield i
            if i == last:
                return
            at = blob.find(needle, starts[i + 1])


def _quoted(text: str) -> str:
    """An FTS5 string: the text to look for, never query syntax."""
    return '"' + text.replace('"', '""') + '"'


def _trigram_table(texts: Sequence[str]) -> sqlite3.Connection | None:
    """The texts in an in-memory FTS5 trigram table (rowid = position); None when this SQLite
    has no trigram tokenizer, and every search scans instead."""
    db = sqlite3.connect(":memory:", check_same_thread=False)
    try:
        db.execute("CREATE VIRTUAL TABLE names USING fts5(text, tokenize='trigram')")
    except sqlite3.OperationalError:
        db.close()
        return None
    db.executemany("INSERT INTO names(rowid, text) VALUES (?, ?)", enumerate(texts))
    db.commit()
    return db


def fetch(store: Store, *, names: Sequence[str], identifiers: Sequence[str] = ()) -> LabelIndex:
    """The index of every value of the `names` and `identifiers` predicates (IRIs) on an entity
    IRI, read with one SELECT."""
    predicates = " ".join(str(NamedNode(p)) for p in (*names, *identifiers))
    name_set = frozenset(names)
    found_names: list[Entry] = []
    found_identifiers: list[Entry] = []
    for row in select(store, _TEXTS.replace("?predicates", predicates)):
        subject = row["s"]
        if not (isinstance(subject, NamedNode) and subject.value.startswith(ID)):
            continue
        predicate = row["p"].value
        entry = Entry(subject.value, predicate, row["text"].value)
        (found_names if predicate in name_set else found_identifiers).append(entry)
    return LabelIndex(found_names, found_identifiers)
