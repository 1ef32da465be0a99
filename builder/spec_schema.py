"""The JSON Schema of builder.yaml, made from the same models the loader validates with (builder/spec.py).

pydantic's schema says what each field takes; three things are added so that an editor accepts exactly what the loader
does: the dialect (`$schema`) and a name (`$id`), and `additionalProperties: false` beside every `patternProperties`
(pydantic leaves a key that misses a dict's key pattern unchecked, where the loader refuses it).
Checks that compare two fields (min_instances against max_instances, graceful_timeout against the shutdown delay,
the worker class against app.kind) and the files the spec names are the loader's alone: JSON Schema cannot say them.
"""

from __future__ import annotations

from typing import Any

from builder import __version__
from builder.spec import AppSpec

DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID = f"urn:builder:builder.yaml:{__version__}"


def spec_schema() -> dict[str, Any]:
    """The schema `builder schema` prints."""
    schema = AppSpec.model_json_schema(by_alias=True, mode="validation")
    _close_pattern_maps(schema)
    return {"$schema": DIALECT, "$id": SCHEMA_ID, **schema}


def _close_pattern_maps(node: Any) -> None:
    if isinstance(node, dict):
        if "patternProperties" in node:
            node.setdefault("additionalProperties", False)
        for value in node.values():
            _close_pattern_maps(value)
    elif isinstance(node, list):
        for item in node:
            _close_pattern_maps(item)
