"""Strategies of hostile input shared by the fuzz tests: JSON values a client can send (with the
text that trips parsers: a lone surrogate, NUL, numbers JSON cannot hold), raw JSON text that is
not valid JSON for a strict reader, and byte-level mutations of a valid file."""

import json
from typing import Any

from hypothesis import strategies as st

# Strings that have broken parsers and databases: NUL (PostgreSQL stores none), a lone
# surrogate (no UTF-8 form), right-to-left marks, a very long text, markup.
NASTY_TEXT = st.sampled_from(
    [
        "",
        "\x00",
        "a\x00b",
        "\ud800",
        "x\udfffy",
        "\u202e\u0645\u0631\u062d\u0628\u0627",
        "投标" * 3000,
        "<script>alert(1)</script>",
        "../../etc/passwd",
        "%s%s%n",
        "0" * 400,
        "-1",
        "1e309",
        "NaN",
        "2026-02-30T25:61:00+08:00",
        "00000000-0000-0000-0000-000000000000",
    ]
)
TEXT = st.one_of(st.text(max_size=30), NASTY_TEXT)
NUMBERS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, 2**31, 2**63 - 1, 2**63, -(2**63) - 1, 10**400]),
    st.floats(allow_nan=False, allow_infinity=False),
)
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, TEXT)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(TEXT, children, max_size=4)
    ),
    max_leaves=10,
)

# JSON text a strict reader must refuse cleanly: constants and numbers outside JSON, nesting
# that exhausts a recursive parser, escapes of lone surrogates, broken syntax and encodings.
RAW_JSON_TEXT = st.one_of(
    st.sampled_from(
        [
            b"NaN",
            b'{"a":NaN}',
            b'{"a":Infinity}',
            b'{"a":-Infinity}',
            b'{"a":1e999}',
            b'{"a":"\\ud800"}',
            b'{"\\udc00":1}',
            b"[" * 5000,
            b'{"a":' * 3000,
            b'{"a":' + b"9" * 5000 + b"}",
            b"\xff\xfe{}",
            b'{"a":"\xc3\x28"}',
            b"",
            b"{",
            b'{"a":1,"a":2}',
            b"null",
            b"[]",
            b'"text"',
        ]
    ),
    st.binary(max_size=200),
)


def json_text(value: Any) -> bytes:
    """`value` as JSON text with ASCII escapes, so that a lone surrogate survives as \\udXXX."""
    return json.dumps(value, allow_nan=True).encode("ascii")


def key_paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path to a member of an object or an item of an array inside `value`."""
    found: list[tuple] = []
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, list):
        items = list(enumerate(value))
    else:
        return found
    for key, item in items:
        found.append((*prefix, key))
        found.extend(key_paths(item, (*prefix, key)))
    return found


def replaced(value: Any, path: tuple, new: Any) -> Any:
    """A deep copy of `value` with the member at `path` replaced by `new`."""
    if not path:
        return new
    copy = json.loads(json.dumps(value))
    target = copy
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = new
    return copy


def removed(value: Any, path: tuple) -> Any:
    copy = json.loads(json.dumps(value))
    target = copy
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return copy


def mutated_json(valid: Any) -> st.SearchStrategy:
    """`valid` with one member replaced by any JSON value, removed, or an unknown one added."""
    paths = key_paths(valid)
    strategies = [st.builds(lambda extra: replaced(valid, (), extra), JSON_VALUES)]
    if paths:
        strategies += [
            st.builds(replaced, st.just(valid), st.sampled_from(paths), JSON_VALUES),
            st.builds(removed, st.just(valid), st.sampled_from(paths)),
        ]
    if isinstance(valid, dict):
        strategies.append(st.builds(lambda key, extra: {**valid, key: extra}, TEXT, JSON_VALUES))
    return st.one_of(strategies)


@st.composite
def mutated_bytes(draw: st.DrawFn, data: bytes, *, front: int | None = None) -> bytes:
    """`data` with one to four byte-level changes: a flipped byte, an overwritten run, bytes
    inserted or deleted, the end cut off. Positions favour the first `front` bytes (a file's
    headers) when given."""
    result = bytearray(data)
    for _change in range(draw(st.integers(min_value=1, max_value=4))):
        limit = len(result)
        if front is not None and draw(st.booleans()):
            limit = min(limit, front)
        position = draw(st.integers(min_value=0, max_value=max(limit - 1, 0)))
        kind = draw(st.sampled_from(["flip", "overwrite", "insert", "delete", "truncate"]))
        if kind == "flip" and result:
            result[position] ^= draw(st.integers(min_value=1, max_value=255))
        elif kind == "overwrite":
            run = draw(st.binary(min_size=1, max_size=16))
            result[position : position + len(run)] = run
        elif kind == "insert":
            result[position:position] = draw(st.binary(min_size=1, max_size=64))
        elif kind == "delete":
            del result[position : position + draw(st.integers(min_value=1, max_value=64))]
        else:
            del result[position:]
    return bytes(result)
