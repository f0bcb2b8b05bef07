"""The JSON every API accepts (settings `DEFAULT_PARSER_CLASSES`).

`JSONParser` refuses, before any view sees them, bodies that no endpoint accepts: nesting deeper
than `MAX_JSON_DEPTH`, an integer outside 64 bits (no column holds it), a number that is not
finite, text with the NUL character (PostgreSQL stores none) or a lone surrogate (no UTF-8
form), and a body larger than `DATA_UPLOAD_MAX_MEMORY_SIZE`. Each is a `Refusal` naming the
field, answered by config.api.error_handler. (Kept apart from config.api: DRF's views import the
parser classes.)
"""

import json
import math
import re
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers
from rest_framework.utils.json import strict_constant

from config.errors import Refusal

MAX_JSON_DEPTH = 32  # the deepest body the API takes (a scoring scheme) is 5 levels
INTEGER_RANGE = (-(2**63), 2**63 - 1)  # PostgreSQL bigint, the widest integer column
# A JSON escape (\ud800) can name half a UTF-16 pair: no UTF-8 form, so neither PostgreSQL nor
# the JSON of an error that names it could hold it (found by tests/fuzz: a 500).
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _json_refusal(code: str, message: str, field: str, status: int = 400) -> Refusal:
    return Refusal(code, message, status=status, field=field or None)


def check_json(document: Any) -> None:
    """Refuse, naming the field, what no endpoint accepts anywhere in a JSON body. Walks the
    document without recursion, so that no depth exhausts the stack."""
    low, high = INTEGER_RANGE
    pending: list[tuple[Any, str, int]] = [(document, "", 1)]
    while pending:
        value, path, depth = pending.pop()
        if isinstance(value, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise _json_refusal(
                    "body_too_deep",
                    _("The JSON body is nested deeper than %(depth)s levels.")
                    % {"depth": MAX_JSON_DEPTH},
                    path,
                )
            if isinstance(value, dict):
                for key, item in value.items():
                    name = f"{path}.{key}" if path else key
                    if "\x00" in key:
                        raise _json_refusal(
                            "text_invalid", _("A name holds the NUL character."), path
                        )
                    if LONE_SURROGATE.search(key):
                        raise _json_refusal(
                            "text_invalid",
                            _("A name holds text that is not Unicode (a lone surrogate)."),
                            path,
                        )
                    pending.append((item, name, depth + 1))
            else:
                for index, item in enumerate(value):
                    pending.append((item, f"{path}[{index}]", depth + 1))
        elif isinstance(value, bool) or value is None:
            continue
        elif isinstance(value, int) and not low <= value <= high:
            raise _json_refusal(
                "number_out_of_range",
                _("%(field)s is beyond the range of a 64-bit integer.")
                % {"field": path or _("The body")},
                path,
            )
        elif isinstance(value, float) and not math.isfinite(value):
            raise _json_refusal(
                "number_out_of_range",
                _("%(field)s is not a finite number.") % {"field": path or _("The body")},
                path,
            )
        elif isinstance(value, str) and "\x00" in value:
            raise _json_refusal(
                "text_invalid",
                _("%(field)s holds the NUL character.") % {"field": path or _("The body")},
                path,
            )
        elif isinstance(value, str) and LONE_SURROGATE.search(value):
            raise _json_refusal(
                "text_invalid",
                _("%(field)s holds text that is not Unicode (a lone surrogate).")
                % {"field": path or _("The body")},
                path,
            )


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing bodies no endpoint accepts (module docstring)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        data = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(data) > limit:
            raise Refusal(
                "body_too_large",
                _("The JSON body is larger than %(limit)s bytes.") % {"limit": limit},
                status=413,
            )
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            document = json.loads(data.decode(encoding), parse_constant=strict_constant)
        except RecursionError:
            raise _json_refusal(
                "body_too_deep",
                _("The JSON body is nested deeper than %(depth)s levels.")
                % {"depth": MAX_JSON_DEPTH},
                "",
            ) from None
        except ValueError as error:  # UnicodeDecodeError is one
            raise exceptions.ParseError(f"JSON parse error - {error}") from None
        check_json(document)
        return document
