"""Corrections to the generated OpenAPI document so it says exactly what the API accepts."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Litestar
from litestar.openapi.spec import Schema


def close_strict_request_bodies(app: Litestar, structs: list[type[msgspec.Struct]]) -> None:
    """Mark bodies that refuse unknown fields with `additionalProperties: false`.

    msgspec's `forbid_unknown_fields` is not carried into Litestar's schema, and a client (or
    schemathesis) reading the document would otherwise believe extra fields are accepted.
    """
    schemas = app.openapi_schema.components.schemas or {}
    for struct in structs:
        schema = schemas.get(struct.__name__)
        if schema is not None and struct.__struct_config__.forbid_unknown_fields:
            schema.additional_properties = False


_ITEM_CONSTRAINTS = {"pattern": "pattern", "minLength": "min_length", "maxLength": "max_length"}


def document_list_item_constraints(app: Litestar, structs: list[type[msgspec.Struct]]) -> None:
    """Copy constraints on list items (`list[Email]`) from msgspec's schema into the document.

    Litestar documents such items as plain strings, so the document would accept attendee
    addresses with line breaks that the API refuses.
    """
    schemas = app.openapi_schema.components.schemas or {}
    for struct in structs:
        schema = schemas.get(struct.__name__)
        own: dict[str, Any] = msgspec.json.schema(struct)["$defs"][struct.__name__]["properties"]
        for name, prop in (schema.properties or {}).items() if schema is not None else ():
            items, wanted = getattr(prop, "items", None), own.get(name, {}).get("items", {})
            if isinstance(items, Schema):
                for key, attribute in _ITEM_CONSTRAINTS.items():
                    if key in wanted and getattr(items, attribute) is None:
                        setattr(items, attribute, wanted[key])
