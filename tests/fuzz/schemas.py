"""Bodies of the shape an OpenAPI schema describes, for the API fuzz: the subset of JSON Schema
drf-spectacular writes (object, properties, required, string with maxLength, enum and format,
integer with minimum and maximum, number, boolean, array, additionalProperties, nullable as
anyOf null). hypothesis-jsonschema would do this, but its 0.23 reaches into Hypothesis internals
that the locked Hypothesis no longer has."""

from typing import Any

from hypothesis import strategies as st

FORMATS = {
    "uuid": st.uuids().map(str),
    "date-time": st.datetimes(timezones=st.timezones()).map(lambda moment: moment.isoformat()),
    "date": st.dates().map(str),
    "uri": st.sampled_from(["https://example.com/a.pdf", "ftp://x", "not a uri", ""]),
    "int64": st.integers(min_value=-(2**63), max_value=2**63 - 1).map(str),
}


def from_openapi_schema(schema: dict[str, Any]) -> st.SearchStrategy:
    if "anyOf" in schema:
        return st.one_of([from_openapi_schema(option) for option in schema["anyOf"]])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        required = set(schema.get("required", ()))
        fields = {name: from_openapi_schema(value) for name, value in properties.items()}
        shaped = st.fixed_dictionaries(
            {name: fields[name] for name in properties if name in required},
            optional={name: fields[name] for name in properties if name not in required},
        )
        if schema.get("additionalProperties") is not None and not properties:
            return st.dictionaries(st.text(max_size=12), _ANY, max_size=4)
        return shaped
    if kind == "array":
        return st.lists(from_openapi_schema(schema.get("items", {})), max_size=4)
    if kind == "string":
        if schema.get("format") in FORMATS:
            return FORMATS[schema["format"]]
        return st.text(min_size=schema.get("minLength", 0), max_size=schema.get("maxLength", 40))
    if kind == "integer":
        return st.integers(min_value=schema.get("minimum"), max_value=schema.get("maximum"))
    if kind == "number":
        return st.floats(
            min_value=schema.get("minimum"),
            max_value=schema.get("maximum"),
            allow_nan=False,
            allow_infinity=False,
        )
    if kind == "boolean":
        return st.booleans()
    return _ANY


_ANY = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)
