"""Tagged JSON for cached values: Decimals, datetimes, dates and UUIDs come back as themselves.

No pickle anywhere in the cache: a value that anyone could write into Redis is only ever parsed as
JSON. Dicts with a single key starting with "__" are the tags; plain data never needs one.
"""

import json
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any


def _tag(value: Any) -> Any:
    if isinstance(value, Decimal):
        return {"__decimal": str(value)}
    if isinstance(value, datetime):
        return {"__datetime": value.isoformat()}
    if isinstance(value, date):
        return {"__date": value.isoformat()}
    if isinstance(value, uuid.UUID):
        return {"__uuid": str(value)}
    if isinstance(value, tuple):
        return [_tag(item) for item in value]
    raise TypeError(f"{type(value).__name__} cannot be cached as JSON")


_UNTAG = {
    "__decimal": Decimal,
    "__datetime": datetime.fromisoformat,
    "__date": date.fromisoformat,
    "__uuid": uuid.UUID,
}


def _untag(obj: dict) -> Any:
    if len(obj) == 1:
        ((key, value),) = obj.items()
        if key in _UNTAG:
            return _UNTAG[key](value)
    return obj


# Built once: json.dumps/json.loads with options construct a new encoder/decoder on every call,
# which is a measurable part of a small value's cache hit (make bench).
_encoder = json.JSONEncoder(default=_tag, separators=(",", ":"))
_decoder = json.JSONDecoder(object_hook=_untag)


def encode(value: Any) -> str:
    return _encoder.encode(value)


def decode(text: str) -> Any:
    return _decoder.decode(text)
