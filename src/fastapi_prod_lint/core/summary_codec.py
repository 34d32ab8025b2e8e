"""Module summaries as plain data and back: what the on-disk cache stores instead of pickles.

`encode` turns a summary into a tuple of its attributes (in `ATTRIBUTES` order) made only of
str, int, bool, None, tuples, lists, dicts and sets; a record (a NamedTuple) becomes the plain
tuple of its fields. `decode` rebuilds records by position from the types the attributes and
the records' fields are declared with, never from anything named in the data: whatever bytes
come in, the only classes that come out are those the declarations reach (`RECORDS`, fixed when
the module is imported). A field added to a record, or a new record type in a field, flows
through with no edit here (fields and their types are read from the NamedTuple); a new summary
attribute must join `ATTRIBUTES` (tests/test_summary_codec.py fails until it does).

The converters are built once from the declared types, and a value that holds no record (a
name, `tuple[str, ...]`, `dict[str, str]`) is passed through as it is: `marshal` keeps tuples,
lists, dicts and sets apart, so decoding walks only down to the records.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from functools import partial
from typing import Any

from fastapi_prod_lint.core.imports import Binding
from fastapi_prod_lint.core.summary import (
    AliasInfo,
    CallSite,
    ClassInfo,
    FunctionInfo,
    ImportEdge,
    ModuleSummary,
)

# (encode, decode) of one declared type; None where the value is plain data already
Convert = Callable[[Any], Any]
Pair = tuple[Convert, Convert]

# every attribute of a ModuleSummary and its type, in the order a blob stores them
ATTRIBUTES: dict[str, Any] = {
    "module": str,
    "path": str,
    "is_package": bool,
    "digest": str,
    "bindings": dict[str, Binding],
    "imports": list[ImportEdge],
    "functions": dict[str, FunctionInfo],
    "classes": dict[str, ClassInfo],
    "assigns": dict[str, CallSite],
    "aliases": dict[str, AliasInfo],
    "calls": list[CallSite],
    "depends": set[str],
    "variables": dict[str, str],
    "type_aliases": dict[str, str],
    "first_bound": dict[str, int],
    "external_assigns": list[tuple[str, str]],
    "loop_names": dict[str, tuple[str, ...]],
    "future_annotations": bool,
    "star_imports": list[str],
    "script_calls": list[str],
    "strings": dict[str, str],
    "resets": dict[str, list[str]],
}
PLAIN = frozenset({str, int, bool, float, bytes, type(None)})

_CODECS: dict[Any, Pair] = {}


def encode(summary: ModuleSummary) -> tuple[Any, ...]:
    """The summary as plain data (what `marshal` can write)."""
    return tuple(
        getattr(summary, name) if pair is None else pair[0](getattr(summary, name))
        for name, pair in zip(ATTRIBUTES, _ATTRIBUTE_PAIRS, strict=True)
    )


def decode(data: object) -> ModuleSummary:
    """The summary `encode` made `data` from. Only ever given the bytes of a cache file whose
    MAC verified (so written by this very code): anything else fails loudly, never quietly."""
    if type(data) is not tuple or len(data) != len(ATTRIBUTES):
        raise ValueError("not an encoded module summary")
    summary = ModuleSummary.__new__(ModuleSummary)
    values = [
        value if pair is None else pair[1](value)
        for pair, value in zip(_ATTRIBUTE_PAIRS, data, strict=True)
    ]
    summary.__dict__.update(zip(ATTRIBUTES, values, strict=True))
    return summary


def converters(hint: Any) -> Pair | None:
    """(encode, decode) of a value declared as `hint`; None when it holds no record. A type
    the cache cannot hold is a TypeError here, when the module is imported."""
    if hint in _CODECS:
        return _CODECS[hint]
    if isinstance(hint, type) and issubclass(hint, tuple) and hasattr(hint, "_fields"):
        return _record(hint)
    if hint in PLAIN:
        return None
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        inner = [converters(arg) for arg in args if arg is not type(None)]
        held = [pair for pair in inner if pair is not None]
        if not held:
            return None
        if len(inner) == 1 and len(args) == 2:  # `Record | None`
            return _optional(held[0][0]), _optional(held[0][1])
    elif origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        pair = converters(args[0])
        return None if pair is None else (_each(tuple, pair[0]), _each(tuple, pair[1]))
    elif origin is tuple:
        return _positions(tuple, [converters(arg) for arg in args])
    elif origin is list:
        pair = converters(args[0])
        return None if pair is None else (_each(list, pair[0]), _each(list, pair[1]))
    elif origin is dict and converters(args[0]) is None:
        pair = converters(args[1])
        return None if pair is None else (_values(pair[0]), _values(pair[1]))
    elif origin in (set, frozenset) and converters(args[0]) is None:
        return None
    raise TypeError(f"the summary cache cannot hold {hint!r}")


def _record(cls: type[tuple[Any, ...]]) -> Pair:
    """A record as the plain tuple of its fields, converted where a field holds records."""
    built: list[Pair] = []

    def encode_late(record: Any) -> Any:  # a recursive record (Arg.items) reaches itself
        return built[0][0](record)

    def decode_late(row: Any) -> Any:
        return built[0][1](row)

    _CODECS[cls] = (encode_late, decode_late)
    hints = typing.get_type_hints(cls)
    fields = [converters(hints[name]) for name in cls._fields]  # type: ignore[attr-defined]
    pair = _positions(partial(tuple.__new__, cls), fields, plain=tuple)
    assert pair is not None
    built.append(pair)
    _CODECS[cls] = pair
    return pair


def _positions(
    make: Convert, fields: list[Pair | None], plain: Convert | None = None
) -> Pair | None:
    """A fixed-length tuple (a record, or `tuple[str, Arg]`) converted field by field: `make`
    builds the decoded tuple (a record's class), `plain` the encoded one (None: no record
    needs it, nor any field)."""
    encoders = [(i, pair[0]) for i, pair in enumerate(fields) if pair is not None]
    decoders = [(i, pair[1]) for i, pair in enumerate(fields) if pair is not None]
    if not encoders:
        return None if plain is None else (plain, make)
    built = plain or make

    def encode_fields(value: Any) -> Any:
        values = list(value)
        for i, convert in encoders:
            if values[i]:  # most are empty: `()` and None stay as they are
                values[i] = convert(values[i])
        return built(values)

    def decode_fields(value: Any) -> Any:
        for i, _ in decoders:
            if value[i]:
                break
        else:  # the usual call site: no arguments kept
            return make(value)
        values = list(value)
        for i, convert in decoders:
            if values[i]:
                values[i] = convert(values[i])
        return make(values)

    return encode_fields, decode_fields


def _each(container: type[Any], convert: Convert) -> Convert:
    return lambda value: container(map(convert, value)) if value else value


def _values(convert: Convert) -> Convert:
    return lambda value: dict(zip(value, map(convert, value.values()), strict=True))


def _optional(convert: Convert) -> Convert:
    return lambda value: None if value is None else convert(value)


_ATTRIBUTE_PAIRS = [converters(hint) for hint in ATTRIBUTES.values()]
# every class a decoded summary can hold besides ModuleSummary: the records the declared
# types reach
RECORDS = tuple(_CODECS)
