"""The cache's summary codec: every summary the linter makes survives the round trip exactly, as
plain data, and decoding makes nothing but the summary's own record types."""

from __future__ import annotations

import marshal
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from fastapi_prod_lint.core import summary_codec
from fastapi_prod_lint.core.imports import Binding
from fastapi_prod_lint.core.project import blob_of, summarize_source, summary_from_blob
from fastapi_prod_lint.core.summary import (
    AliasInfo,
    Arg,
    CallSite,
    ClassInfo,
    FunctionInfo,
    ImportEdge,
    ModuleSummary,
    Param,
)

REPO = Path(__file__).resolve().parent.parent
CORPUS = [REPO / "tests" / "fixtures", REPO / "tests" / "runtime", REPO / "src", REPO / "examples"]
PLAIN_TYPES = (str, int, bool, type(None), tuple, list, dict, set)


@cache
def corpus() -> list[ModuleSummary]:
    """The summary of every Python file of the fixtures, the runtime apps, examples and src."""
    return [
        summarize_source(folder, path, path.read_bytes())
        for folder in CORPUS
        for path in sorted(folder.rglob("*.py"))
        if "__pycache__" not in path.parts
    ]


def assert_same(before: Any, after: Any, where: str) -> None:
    """Equal and of the very same types all the way down (a plain tuple equals a NamedTuple)."""
    assert type(after) is type(before), where
    if isinstance(before, dict):
        assert list(after) == list(before), where
        for key, value in before.items():
            assert_same(value, after[key], f"{where}[{key!r}]")
    elif isinstance(before, (tuple, list)):
        assert len(after) == len(before), where
        for i, (old, new) in enumerate(zip(before, after, strict=True)):
            assert_same(old, new, f"{where}[{i}]")
    else:
        assert after == before, where


def plain_only(value: Any) -> bool:
    if type(value) not in PLAIN_TYPES:
        return False
    if isinstance(value, dict):
        return all(plain_only(key) and plain_only(item) for key, item in value.items())
    if isinstance(value, (tuple, list, set)):
        return all(plain_only(item) for item in value)
    return True


def test_the_codec_knows_every_attribute_of_a_summary() -> None:
    fresh = ModuleSummary("m", "m.py", False, "0")
    assert list(summary_codec.ATTRIBUTES) == list(vars(fresh))
    for summary in corpus()[:50]:
        assert list(vars(summary)) == list(vars(fresh)), summary.path


def test_every_summary_of_the_corpus_survives_the_round_trip_attribute_by_attribute() -> None:
    summaries = corpus()
    assert len(summaries) > 700
    for summary in summaries:
        decoded = summary_from_blob(blob_of(summary))
        assert type(decoded) is ModuleSummary
        assert list(vars(decoded)) == list(vars(summary)), summary.path
        for name, value in vars(summary).items():
            assert_same(value, getattr(decoded, name), f"{summary.path}: {name}")


def test_the_corpus_exercises_every_attribute_and_every_record_type() -> None:
    """A round trip of empty attributes would prove nothing: each one is filled somewhere."""
    summaries = corpus()
    fresh = vars(ModuleSummary("m", "m.py", False, "0"))
    for name in summary_codec.ATTRIBUTES:
        if name not in ("module", "path", "digest"):
            assert any(getattr(s, name) != fresh[name] for s in summaries), name
    seen: set[type] = set()

    def walk(value: Any) -> None:
        seen.add(type(value))
        if isinstance(value, dict):
            value = list(value.values())
        if isinstance(value, (tuple, list)):
            for item in value:
                walk(item)

    for summary in summaries:
        walk(list(vars(summary).values()))
    assert set(summary_codec.RECORDS) <= seen


def test_the_records_are_the_summary_s_own_named_tuples() -> None:
    """What decoding can make is fixed by the declarations, whatever the data says."""
    assert {Arg, CallSite, Param, FunctionInfo, ClassInfo, AliasInfo, ImportEdge, Binding} <= set(
        summary_codec.RECORDS
    )
    for record in summary_codec.RECORDS:
        assert issubclass(record, tuple) and record._fields, record
        assert record.__module__.startswith("fastapi_prod_lint.core."), record


def test_an_encoded_summary_is_plain_data() -> None:
    for summary in corpus()[::25]:
        encoded = marshal.loads(zlib.decompress(blob_of(summary)))
        assert type(encoded) is tuple and plain_only(encoded), summary.path


def test_data_of_another_shape_is_an_error_never_an_object() -> None:
    for data in (None, (), ["m"], "os.system", tuple(range(3))):
        with pytest.raises(ValueError, match="not an encoded module summary"):
            summary_codec.decode(data)


def test_a_new_field_or_record_flows_through(monkeypatch: pytest.MonkeyPatch) -> None:
    """Records are read from their NamedTuple fields and type hints: nothing to list."""

    class Grown(NamedTuple):
        name: str
        site: CallSite
        args: tuple[Arg, ...] = ()
        named: tuple[tuple[str, Arg], ...] = ()
        parent: Arg | None = None
        labels: dict[str, tuple[str, ...]] = {}  # noqa: RUF012 - a default is never mutated

    monkeypatch.setattr(summary_codec, "_CODECS", {})
    pair = summary_codec.converters(list[Grown])
    assert pair is not None
    nested = Arg("call", "f", (Arg("str", "x"), Arg("list", "", (Arg("name", "a.b"),))))
    value = [
        Grown("a", CallSite("g", 1, 2, (nested,), (("k", nested),)), (nested,)),
        Grown("b", CallSite("h", 3, 4), (), (("k", Arg("other")),), nested, {"x": ("y",)}),
    ]
    encoded = pair[0](value)
    assert plain_only(encoded)
    assert_same(value, pair[1](marshal.loads(marshal.dumps(encoded))), "grown")


def test_a_type_the_cache_cannot_hold_is_refused_when_the_codec_is_built() -> None:
    @dataclass
    class Unknown:
        name: str

    for hint in (Unknown, Path, list[Unknown], dict[Arg, str], Arg | CallSite, set[Arg]):
        with pytest.raises(TypeError, match="cannot hold"):
            summary_codec.converters(hint)
