"""Model kinds and the types a route declares: what the contract rules (FPL3xx) ask.

A *table model* is a SQLModel class declared with `table=True`, or a subclass of one (SQLModel
keeps `table` in `model_config`, which subclasses inherit); an *ORM class* is a plain
SQLAlchemy declarative class; a *model* is any other pydantic model. Types are followed through
containers, unions, `Annotated`, generics, string forward references and type aliases in any
module of the project, and into the fields of the models they reach.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from fastapi_prod_lint.core.summary import (
    ANNOTATED_NAMES,
    DEPENDS_NAMES,
    ModuleSummary,
    dotted_parts,
    resolve_parts,
)

if TYPE_CHECKING:
    from fastapi_prod_lint.core.project import ProjectIndex

TABLE, ORM, MODEL = "table", "orm", "model"
SQLMODEL_BASES = frozenset({"sqlmodel.SQLModel", "sqlmodel.main.SQLModel"})
PYDANTIC_BASES = SQLMODEL_BASES | {
    "pydantic.BaseModel",
    "pydantic.main.BaseModel",
    "pydantic.v1.BaseModel",
    "pydantic.v1.main.BaseModel",
    "pydantic.RootModel",
    "pydantic.root_model.RootModel",
}
DECLARATIVE_BASES = frozenset(
    f"sqlalchemy.orm.{module}{name}"
    for module in ("", "decl_api.")
    for name in ("DeclarativeBase", "DeclarativeBaseNoMeta")
)
DECLARATIVE_FACTORIES = frozenset(
    {
        "sqlalchemy.orm.declarative_base",
        "sqlalchemy.orm.decl_api.declarative_base",
        "sqlalchemy.ext.declarative.declarative_base",
    }
)
ORM_CLASS_NAMES = frozenset({"__tablename__", "__table__"})
ORM_DECORATORS = frozenset({"mapped", "as_declarative", "mapped_as_dataclass"})
RESPONSE_MODULES = ("fastapi.responses.", "starlette.responses.")
RESPONSE_CLASSES = frozenset({"fastapi.Response", "fastapi.responses.Response"})
PYDANTIC_DATACLASS = frozenset({"pydantic.dataclasses.dataclass"})
LITERAL_NAMES = frozenset({"typing.Literal", "typing_extensions.Literal"})

Resolver = Callable[[ast.expr], "str | None"]


class Reached(NamedTuple):
    """A class a declared type reaches; `via` is the field path to it (`("HeroOut", "team")`:
    field `team` of `HeroOut`), empty when the declared type names it directly."""

    dotted: str
    kind: str | None
    via: tuple[str, ...] = ()
    sent: tuple[str, ...] = ()  # its fields that are sent (after exclude/include filters)


class Field(NamedTuple):
    name: str
    annotation: str  # source text, resolved in `module`
    module: ModuleSummary
    hidden: bool  # not sent: private, ClassVar, Relationship(), Field(exclude=True)
    type_expr: str | None  # core/types.py expression of its class (for SecretStr)


def short(dotted: str) -> str:
    return dotted.rpartition(".")[2]


def module_resolver(summary: ModuleSummary) -> Resolver:
    """Names resolved in a module's top-level bindings (aliases, fields of its classes)."""
    bindings = summary.bindings

    def resolve(expr: ast.expr) -> str | None:
        parts = dotted_parts(expr)
        return None if parts is None else resolve_parts(parts, bindings, ())

    return resolve


@functools.lru_cache(maxsize=4096)
def parse_type(source: str) -> ast.expr | None:
    """The expression of an annotation's source text (the same few annotations recur in every
    model a route reaches, so parses are shared; the trees are only read)."""
    try:
        return ast.parse(source.strip(), mode="eval").body
    except SyntaxError:
        return None


# -- kinds -----------------------------------------------------------------------------------
def model_kind(index: ProjectIndex, dotted: str) -> str | None:
    """TABLE, ORM or MODEL for a class of the project (or a library class we know), else None."""
    cache = index.analyses.setdefault("model_kinds", {})
    assert isinstance(cache, dict)
    if dotted not in cache:
        cache[dotted] = _model_kind(index, index.canonical(dotted))
    kind: str | None = cache[dotted]
    return kind


def _model_kind(index: ProjectIndex, dotted: str) -> str | None:
    if dotted in PYDANTIC_BASES:
        return MODEL
    if dotted in DECLARATIVE_BASES:
        return ORM
    own = index.class_(dotted)
    if own is None:
        return None
    if any(index.canonical(d) in PYDANTIC_DATACLASS for d in own[1].decorators):
        return MODEL
    lineage = [dotted, *index.class_ancestors(dotted)]
    if SQLMODEL_BASES.intersection(lineage):
        for name in lineage:
            found = index.class_(name)
            if found is not None and any(
                key == "table" and arg.kind == "const" and arg.value == "True"
                for key, arg in found[1].keywords
            ):
                return TABLE
        return MODEL
    if PYDANTIC_BASES.intersection(lineage):
        return MODEL
    if DECLARATIVE_BASES.intersection(lineage):
        return ORM
    for name in lineage:
        found = index.class_(name)
        if found is not None:
            info = found[1]
            if ORM_CLASS_NAMES.intersection(info.assigned) or ORM_CLASS_NAMES.intersection(
                info.methods
            ):
                return ORM
            if any(short(d) in ORM_DECORATORS for d in info.decorators):
                return ORM
        elif _is_declarative_base_variable(index, name):
            return ORM
    return None


def _is_declarative_base_variable(index: ProjectIndex, dotted: str) -> bool:
    """`Base = declarative_base()` or `Base = mapper_registry.generate_base()`."""
    definition = index.definition(dotted)
    if definition is None:
        return False
    site = definition.module.assigns.get(definition.name)
    if site is None:
        return False
    return index.canonical(site.func) in DECLARATIVE_FACTORIES or site.method == "generate_base"


def is_response_class(index: ProjectIndex, dotted: str) -> bool:
    """`Response`, `JSONResponse`, ... or a project subclass of one."""
    for name in (dotted, *index.class_ancestors(dotted)):
        if name in RESPONSE_CLASSES or name.startswith(RESPONSE_MODULES):
            return True
    return False


# -- types -----------------------------------------------------------------------------------
class TypeName(NamedTuple):
    dotted: str
    dependency: bool = False  # `Annotated[X, Depends(...)]`: FastAPI calls it, not a body


def type_names(index: ProjectIndex, expr: ast.expr, resolve: Resolver) -> list[TypeName]:
    """Every class a type expression names, through containers, unions, `Annotated` (its
    first argument), generics and their arguments, string forward references and module-level
    type aliases of any project module; `Literal[...]` names nothing."""
    found: list[TypeName] = []
    seen_aliases: set[str] = set()
    stack: list[tuple[ast.expr, Resolver]] = [(expr, resolve)]
    while stack:
        node, res = stack.pop()
        if isinstance(node, ast.Constant):
            parsed = parse_type(node.value) if isinstance(node.value, str) else None
            if parsed is not None:
                stack.append((parsed, res))
        elif isinstance(node, ast.Subscript):
            base = res(node.value)
            base = index.canonical(base) if base else None
            slice_ = node.slice
            elements = slice_.elts if isinstance(slice_, ast.Tuple) else [slice_]
            if base in ANNOTATED_NAMES:
                if any(_is_depends(res, meta) for meta in elements[1:]):
                    found.append(TypeName("", dependency=True))
                stack.append((elements[0], res))
            elif base not in LITERAL_NAMES:
                stack.extend((element, res) for element in reversed(elements))
                stack.append((node.value, res))
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            stack.extend(((node.right, res), (node.left, res)))
        elif isinstance(node, (ast.Tuple, ast.List)):
            stack.extend((element, res) for element in reversed(node.elts))
        elif isinstance(node, (ast.Name, ast.Attribute)):
            dotted = res(node)
            if dotted is None:
                continue
            dotted = index.canonical(dotted)
            alias = type_alias(index, dotted)
            if alias is not None:
                if dotted not in seen_aliases:
                    seen_aliases.add(dotted)
                    stack.append(alias)
            else:
                found.append(TypeName(dotted))
    return found


def _is_depends(resolve: Resolver, meta: ast.expr) -> bool:
    return isinstance(meta, ast.Call) and resolve(meta.func) in DEPENDS_NAMES


def type_alias(index: ProjectIndex, dotted: str) -> tuple[ast.expr, Resolver] | None:
    """The value of a module-level type alias (`HeroList = list[Hero]`) and its module's
    resolver, or None when `dotted` is not one."""
    cache = index.analyses.setdefault("type_aliases", {})
    assert isinstance(cache, dict)
    if dotted not in cache:
        cache[dotted] = _type_alias(index, dotted)
    found: tuple[ast.expr, Resolver] | None = cache[dotted]
    return found


def _type_alias(index: ProjectIndex, dotted: str) -> tuple[ast.expr, Resolver] | None:
    definition = index.definition(dotted)
    if definition is None:
        return None
    source = definition.module.type_aliases.get(definition.name)
    parsed = parse_type(source) if source is not None else None
    if parsed is None:
        return None
    return parsed, module_resolver(definition.module)


def fields(index: ProjectIndex, dotted: str) -> list[Field]:
    """The annotated fields of a project class, inherited ones included; the nearest
    definition of a name wins, as in pydantic."""
    cache = index.analyses.setdefault("fields", {})
    assert isinstance(cache, dict)
    found_fields: list[Field] | None = cache.get(dotted)
    if found_fields is None:
        found_fields = cache[dotted] = _fields(index, dotted)
    return found_fields


def _fields(index: ProjectIndex, dotted: str) -> list[Field]:
    seen: dict[str, Field] = {}
    for owner in (dotted, *index.class_ancestors(dotted)):
        found = index.class_(owner)
        if found is None:
            continue
        summary, info = found
        types = dict(info.attributes)
        for name, annotation in info.fields:
            if name not in seen:
                hidden = name in info.hidden
                seen[name] = Field(name, annotation, summary, hidden, types.get(name))
    return list(seen.values())
