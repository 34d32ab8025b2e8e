"""Types of module globals and aliases (issue 14.5): every binding of a global counts, project
aliases of a class resolve to it, calls through a base method reach its project overrides, and a
redefined function is the later definition."""

from __future__ import annotations

import ast
import sys
import textwrap
from pathlib import Path

import pytest

from fastapi_prod_lint.core.blocking import analysis_for
from fastapi_prod_lint.core.project import ProjectIndex
from fastapi_prod_lint.core.summary import summarize

SESSION = "sqlalchemy.orm.Session"


def index_of(files: dict[str, str]) -> ProjectIndex:
    summaries = [
        summarize(ast.parse(textwrap.dedent(source)), module, f"/p/{module}.py", False, module)
        for module, source in files.items()
    ]
    return ProjectIndex.from_summaries(Path("/p"), summaries)


def global_type(index: ProjectIndex, dotted: str) -> str | None:
    return index.resolve_type(f"O:{dotted}")


REGISTRY = """
    class Options: ...
    class Registry: ...

    def build():
        options = Options()
        return options, Registry()

    def build_annotated() -> tuple[Options, Registry]:
        return load()
"""


def test_tuple_unpacking_is_matched_item_by_item_against_the_factory():
    index = index_of(
        {
            "reg": REGISTRY,
            "app": """
                from reg import build, build_annotated
                opts, registry = build()
                (first, second), third = build(), 1
                annotated_opts, annotated_registry = build_annotated()
                head, *rest = build()
                left, right = build_annotated
            """,
        }
    )
    assert global_type(index, "app.opts") == "reg.Options"
    assert global_type(index, "app.registry") == "reg.Registry"
    assert global_type(index, "app.annotated_opts") == "reg.Options"
    assert global_type(index, "app.annotated_registry") == "reg.Registry"
    assert global_type(index, "app.head") == "reg.Options"
    assert global_type(index, "app.rest") is None  # a starred target is a list
    assert global_type(index, "app.first") is None  # nested tuples are not followed
    assert global_type(index, "app.left") is None  # a function is no tuple


def test_tuple_unpacking_inside_a_function_types_its_locals():
    index = index_of(
        {
            "reg": REGISTRY,
            "app": """
                from reg import build
                def handler():
                    _, registry = build()
                    registry.lookup()
            """,
        }
    )
    [site] = [s for s in index.modules["app"].functions["handler"].calls if s.func == "lookup"]
    assert index.resolve_type(site.receiver_type) == "reg.Registry"


def test_every_binding_of_a_global_counts_and_none_placeholders_add_nothing():
    index = index_of(
        {
            "engine": """
                engine = None
                worker = None
                mixed = None
                guarded = None

                class Engine:
                    def __init__(self):
                        global engine
                        engine = self

                class Worker: ...
                class Other: ...

                def start():
                    global worker, mixed
                    worker = Worker()
                    mixed = Worker()

                def stop():
                    global worker, mixed
                    worker = None
                    mixed = Other()

                if __name__ == "__main__":
                    guarded = Worker()
            """
        }
    )
    assert global_type(index, "engine.engine") == "engine.Engine"
    assert global_type(index, "engine.worker") == "engine.Worker"
    assert global_type(index, "engine.guarded") == "engine.Worker"
    assert global_type(index, "engine.mixed") is None  # bindings of two classes: no one type


def test_a_main_guard_binding_is_one_more_type_of_the_global():
    index = index_of(
        {
            "app": """
                class A: ...
                class B: ...
                same = A()
                other = A()
                if __name__ == "__main__":
                    same = A()
                    other = B()
            """
        }
    )
    assert global_type(index, "app.same") == "app.A"
    assert global_type(index, "app.other") is None


ALIASES = """
    from typing import Annotated, NewType, TypeAlias
    import typing_extensions
    from sqlalchemy.orm import Session

    DbSession = NewType("DbSession", Session)
    ExtSession = typing_extensions.NewType("ExtSession", Session)
    ReadSession: TypeAlias = Session
    PlainSession = Session
    DocumentedSession = Annotated[Session, "request scoped"]
    AliasOfAlias = DbSession
    MaybeSession = Session | None
"""


@pytest.mark.parametrize(
    "alias",
    [
        "DbSession",
        "ExtSession",
        "ReadSession",
        "PlainSession",
        "DocumentedSession",
        "AliasOfAlias",
        "MaybeSession",
    ],
)
def test_project_aliases_of_a_class_resolve_to_it(alias):
    index = index_of({"db": ALIASES, "app": f"from db import {alias} as S\n"})
    assert index.resolve_type(f"T:db.{alias}") == SESSION
    assert index.resolve_type("T:app.S") == SESSION


def test_calling_a_new_type_returns_its_class():
    index = index_of({"db": ALIASES})
    assert index.resolve_type("C:db.DbSession") == SESSION


@pytest.mark.skipif(sys.version_info < (3, 12), reason="`type X = ...` parses on Python >= 3.12")
def test_a_pep_695_type_statement_is_an_alias():
    index = index_of({"db": "from sqlalchemy.orm import Session\ntype DbSession = Session\n"})
    assert index.resolve_type("T:db.DbSession") == SESSION


def test_a_call_through_a_base_method_follows_every_project_override():
    index = index_of(
        {
            "storage": """
                import time
                from abc import ABC, abstractmethod

                class Storage(ABC):
                    @abstractmethod
                    def save(self):
                        time.sleep(1)  # never runs for a call through Storage

                    def load(self):
                        raise NotImplementedError

                class Memory(Storage):
                    def save(self): ...
                    def load(self): ...

                class Disk(Storage):
                    def load(self):
                        return open("/blob").read()

                class SlowDisk(Disk):
                    def save(self):
                        time.sleep(1)
            """
        }
    )
    assert index.overrides("storage.Storage", "save") == (
        "storage.Memory.save",
        "storage.SlowDisk.save",
    )
    assert index.overrides("storage.Memory", "save") == ()
    analysis = analysis_for(index, (), ())
    save = analysis.method("storage.Storage", "save")
    assert save.function is None  # abstract: its own body proves nothing
    hops, blocker = analysis.reach(save) or ((), None)
    assert hops == ("SlowDisk.save()",) and blocker is not None
    assert blocker.name == "time.sleep"
    load = analysis.reach(analysis.method("storage.Storage", "load"))
    assert load is not None and load[0] == ("Disk.load()",)
    assert analysis.reach(analysis.method("storage.Memory", "save")) is None


def test_a_redefined_function_is_the_later_definition():
    index = index_of(
        {
            "app": """
                import time
                def helper():
                    return 1
                def helper():
                    time.sleep(1)
                class C:
                    def m(self): ...
                    def m(self):
                        time.sleep(1)
            """
        }
    )
    functions = index.modules["app"].functions
    assert functions["helper"].line == 5
    assert functions["helper@3"].line == 3
    assert functions["C.m"].line == 9 and "C.m@8" in functions
    analysis = analysis_for(index, (), ())
    assert analysis.chain("app.helper") is not None
    assert analysis.chain("app.C.m") is not None


def test_an_instance_made_by_its_class_runs_no_subclass_override():
    index = index_of(
        {
            "app": """
                import time

                class Base:
                    def run(self):
                        return 1

                class Sub(Base):
                    def run(self):
                        time.sleep(1)

                made = Base()
                declared: Base = make()

                def factory():
                    return Base()
            """
        }
    )
    assert index.is_exact("C:app.Base")
    assert index.is_exact("O:app.made")
    assert index.is_exact("C:app.factory")
    assert not index.is_exact("O:app.declared")
    assert not index.is_exact("T:app.Base")
    analysis = analysis_for(index, (), ())
    assert analysis.reach(analysis.method("app.Base", "run", exact=True)) is None
    assert analysis.reach(analysis.function("app.made.run")) is None
    assert analysis.reach(analysis.function("app.declared.run")) is not None
