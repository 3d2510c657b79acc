"""Corrections to the generated OpenAPI document so it says exactly what the API accepts."""

from __future__ import annotations

import msgspec
from litestar import Litestar


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
