"""Read-only dicts and lists: what cache_get_or_set returns.

A decoded value is shared by every caller in the process (decoded.py), so nobody may change it in
place. FrozenDict and FrozenList are real dict and list subclasses (equal to plain ones, serialized
by json, orjson and DRF as such) whose mutating methods raise TypeError. A copy (`dict(value)`,
`list(value)`, `copy.copy`, `copy.deepcopy`, pickle) is a plain, changeable one.
"""

import copy
from typing import Any, NoReturn

_MESSAGE = "cached values are read-only; change a copy (dict(value), list(value) or copy.deepcopy(value))"


def _read_only(self, *args, **kwargs) -> NoReturn:
    raise TypeError(_MESSAGE)


class FrozenDict(dict):
    __slots__ = ()
    __setitem__ = __delitem__ = __ior__ = _read_only
    clear = pop = popitem = setdefault = update = _read_only

    def __copy__(self) -> dict:
        return dict(self)

    def __deepcopy__(self, memo: dict) -> dict:
        return {key: copy.deepcopy(item, memo) for key, item in self.items()}

    def __reduce__(self):
        return dict, (dict(self),)


class FrozenList(list):
    __slots__ = ()
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _read_only
    append = extend = insert = pop = remove = clear = sort = reverse = _read_only

    def __copy__(self) -> list:
        return list(self)

    def __deepcopy__(self, memo: dict) -> list:
        return [copy.deepcopy(item, memo) for item in self]

    def __reduce__(self):
        return list, (list(self),)


def freeze(value: Any) -> Any:
    """The value with every dict and list in it made read-only (other values are immutable already,
    or are returned as they are: a cached value is JSON-shaped, see codec.py)."""
    kind = type(value)
    if kind is dict or kind is FrozenDict:
        return FrozenDict({key: freeze(item) for key, item in value.items()})
    if kind is list or kind is FrozenList:
        return FrozenList([freeze(item) for item in value])
    if kind is tuple:
        return tuple(freeze(item) for item in value)
    return value
