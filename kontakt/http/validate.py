"""Request validation for the subset of JSON Schema the API declares:
objects with typed properties, ``required``, ``enum``, string lengths and
number bounds, ``additionalProperties: false``.  The same schema dicts go
into ``/openapi.json``, so the document and the checks cannot drift apart.
"""

from __future__ import annotations

from typing import Any

from kontakt.http.errors import ApiError

_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,),
    "object": (dict,), "array": (list,),
}


def check(schema: dict[str, Any], value: Any, where: str = "body") -> Any:
    problem = _problem(schema, value, where)
    if problem:
        field, why = problem
        raise ApiError(422, "request.invalid", f"{field}: {why}", field=field, reason=why)
    return value


def _problem(schema: dict[str, Any], value: Any, where: str) -> tuple[str, str] | None:
    t = schema.get("type")
    if value is None:
        return None if schema.get("nullable") else (where, "must not be null")
    if t:
        ok = isinstance(value, _TYPES[t])
        if t in ("integer", "number") and isinstance(value, bool):
            ok = False
        if not ok:
            return where, f"must be {t}"
    if "enum" in schema and value not in schema["enum"]:
        return where, "must be one of " + ", ".join(map(str, schema["enum"]))
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            return where, f"at least {schema['minLength']} characters"
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            return where, f"at most {schema['maxLength']} characters"
        if "\x00" in value:
            return where, "must not contain NUL"
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            return where, f"must be >= {schema['minimum']}"
        if "maximum" in schema and value > schema["maximum"]:
            return where, f"must be <= {schema['maximum']}"
    if t == "object":
        props = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in value:
                return f"{where}.{name}", "required"
        for name, v in value.items():
            if name in props:
                p = _problem(props[name], v, f"{where}.{name}")
                if p:
                    return p
            elif schema.get("additionalProperties") is False:
                return f"{where}.{name}", "unknown field"
    if t == "array" and "items" in schema:
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            return where, f"at most {schema['maxItems']} items"
        for i, item in enumerate(value):
            p = _problem(schema["items"], item, f"{where}[{i}]")
            if p:
                return p
    return None


def query_value(schema: dict[str, Any], raw: str, name: str) -> Any:
    """A query parameter cast to its declared type, or a 422."""
    t = schema.get("type", "string")
    try:
        value: Any = {"integer": int, "number": float}.get(t, str)(raw)
    except ValueError:
        raise ApiError(422, "request.invalid", f"{name}: must be {t}", field=name,
                       reason=f"must be {t}") from None
    if t == "boolean":
        if raw not in ("true", "false"):
            raise ApiError(422, "request.invalid", f"{name}: must be true or false", field=name,
                           reason="must be boolean")
        value = raw == "true"
    return check(schema, value, name)
