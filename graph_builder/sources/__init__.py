"""The source registry: source id -> Source class. One id spelled the same in its data folder,
module, graph IRI and test (DESIGN.md conventions)."""

from __future__ import annotations

import importlib
from typing import Final

from graph_builder.errors import InputError
from graph_builder.namespaces import SOURCE_IDS
from graph_builder.sources.base import Source

_MODULES: Final = {sid: f"graph_builder.sources.{sid}" for sid in SOURCE_IDS}


def get_source(source_id: str) -> Source:
    """An instance of the source `source_id` (modules are imported on demand)."""
    if source_id not in _MODULES:
        raise InputError(
            f"unknown source id {source_id!r}; known: {', '.join(SOURCE_IDS)}", source_id=source_id
        )
    module = importlib.import_module(_MODULES[source_id])
    cls = module.SOURCE
    return cls()  # type: ignore[no-any-return]


def available_sources() -> list[str]:
    """Source ids whose module exists (all, once the builders are complete)."""
    found = []
    for sid, name in _MODULES.items():
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            # Only the source module itself may be absent; a missing dependency of a source
            # must fail loudly rather than drop the source from the build.
            if exc.name != name:
                raise
            continue
        found.append(sid)
    return found
