"""The vocabulary and the specs of generated FastAPI projects, and the hypothesis strategies
that draw them (tests/project_strategy.py renders a spec as files)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from hypothesis import strategies as st

PYPROJECT = (
    '[project]\nname = "generated"\nversion = "0.1.0"\nrequires-python = ">=3.10"\n'
    'dependencies = ["fastapi", "sqlmodel", "requests"]\n\n[tool.fastapi-prod-lint]\n'
)
# lines of the `[tool.fastapi-prod-lint]` table: every front end reads the same settings
SETTINGS = (
    'ignore = ["FPL403"]',
    'extend-select = ["FPL202"]',
    'per-file-ignores = {{ "{folder}routes.py" = ["FPL101"], "*main.py" = ["FPL4"] }}',
    'extend-exclude = ["{helpers_path}"]',
    'allowed-calls = ["requests.get"]',
    'extra-blocking-calls = ["{pkg}{helpers}.pure"]',
    "report-unserved-code = true",
)
# suppression comments, as flake8 reads them
NOQA = (
    "",
    "  # noqa",
    "  # noqa: FPL101",
    "  # noqa:FPL1",
    "  # NOQA: E501",
    "  # noqa: E501,FPL102",
)

# helper name -> (imports it needs, body lines); `arg` is its one parameter
HELPERS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "pause": (("import time",), ("time.sleep(0.1)", "return arg")),
    "fetch": (("import requests",), ("return requests.get(arg, timeout=5).json()",)),
    "load": ((), ("with open(arg) as handle:", "    return handle.read()")),
    "save": (
        ("from sqlmodel import Session",),
        ("with Session(engine) as session:", "    session.add(arg)", "    session.commit()"),
    ),
    "rows": (
        ("from sqlmodel import Session, select",),
        ("with Session(engine) as session:", "    return session.exec(select(arg)).all()"),
    ),
    "pure": ((), ("return [arg, arg]",)),
    "remember": ((), ("global current_user", "current_user = arg", "return arg")),
    "apause": (("import time",), ("time.sleep(0.1)", "return arg")),  # an `async def`
}
DATABASE_HELPERS = ("save", "rows")
ASYNC_HELPERS = ("apause",)
# how a module reaches the helpers: (import line, prefix of a call); `{pkg}` is `app.` or, in
# a flat layout, nothing; `{helpers}` is `helpers`, or `scripts.helpers` (excluded by default:
# not checked, but its facts count where the app imports it)
HELPER_IMPORTS = {
    "from": ("from {pkg}{helpers} import {names}", ""),
    "alias": ("import {pkg}{helpers} as helpers_mod", "helpers_mod."),
    "relative": ("from .{helpers} import {names}", ""),
    "package": ("from app{parent} import helpers", "helpers."),
    "relative_package": ("from .{parent} import helpers", "helpers."),
    "module": ("import {helpers}", "{helpers}."),
}
HELPER_MODULES = ("helpers", "scripts.helpers")
# how the main module includes the router
ROUTER_INCLUDES = {
    "from": ("from {pkg}routes import router", "router"),
    "relative": ("from .routes import router", "router"),
    "package": ("from app import routes", "routes.router"),
    "module": ("import routes", "routes.router"),
    "none": ("", ""),
}
# forms that only a package (`app/`) or only a flat layout (modules at the root) can use
PACKAGE_ONLY = frozenset({"relative", "package", "relative_package"})
FLAT_ONLY = frozenset({"module"})
# a model's annotation of the other model (or of itself), `{0}` being its name
REFERENCES = ('"{0}"', 'Optional["{0}"]', 'list["{0}"]', '"Optional[{0}]"', '"{0} | None"', "{0}")
OTHER_IMPORTS = ("none", "top", "type_checking", "bottom")
# where `Model.model_rebuild()` is called; "init_early" is the package `__init__` before it
# imports the other model
REBUILD_PLACES = ("none", "own_module", "init", "init_early", "main")
STATEMENTS = (
    "helper",
    "sleep_split",
    "depends",
    "sleep",
    "global",
    "thread_local",
    "app_state",
    "session",
    "unique_check",
)


@dataclass(frozen=True)
class ModelSpec:
    name: str
    other: str  # the model it points at: the other one, or itself when alone
    base: str  # "pydantic", "sqlmodel" or "table"
    reference: str  # one of REFERENCES
    other_import: str  # one of OTHER_IMPORTS
    relative_import: bool
    rebuild: str  # one of REBUILD_PLACES
    future: bool
    secret: bool  # has a `hashed_password` field


@dataclass(frozen=True)
class RouteSpec:
    name: str
    is_async: bool
    method: str
    response_model: str | None
    body_model: str | None  # a parameter annotated with a model: the request body
    statements: tuple[str, ...]
    helper: str | None
    noqa: tuple[str, str]  # comments on the `def` line and on the body's first line


@dataclass(frozen=True)
class ProjectSpec:
    flat: bool  # modules at the root (`main.py`, `helpers.py`) rather than in `app/`
    app_init: bool
    models_package: bool  # models in `app/models/` rather than `app/`
    models_init: bool
    models: tuple[ModelSpec, ...]
    helpers: tuple[str, ...]
    helpers_module: str  # one of HELPER_MODULES
    chained: bool  # the first helper calls the second
    helper_import: str  # one of HELPER_IMPORTS
    has_router: bool
    router_include: str  # one of ROUTER_INCLUDES
    routes: tuple[RouteSpec, ...]
    model_import: str  # "direct", "module_alias" (`import app.hero as hero_module`), "package"
    settings: tuple[str, ...]  # lines of SETTINGS


def model_specs(count: int) -> st.SearchStrategy[tuple[ModelSpec, ...]]:
    names = ("Team", "Hero")[:count]
    return st.tuples(
        *(
            st.builds(
                ModelSpec,
                name=st.just(name),
                other=st.just(names[1 - i] if count == 2 else name),
                base=st.sampled_from(("pydantic", "sqlmodel", "table")),
                reference=st.sampled_from(REFERENCES),
                other_import=st.sampled_from(OTHER_IMPORTS) if count == 2 else st.just("none"),
                relative_import=st.booleans(),
                rebuild=st.sampled_from(REBUILD_PLACES),
                future=st.booleans(),
                secret=st.booleans(),
            )
            for i, name in enumerate(names)
        )
    )


def route_specs(helpers: tuple[str, ...], models: tuple[str, ...]) -> st.SearchStrategy[RouteSpec]:
    return st.builds(
        RouteSpec,
        name=st.sampled_from(("read", "create", "update")),
        is_async=st.booleans(),
        method=st.sampled_from(("get", "post")),
        response_model=st.none() | st.sampled_from(models) if models else st.none(),
        body_model=st.none() | st.sampled_from(models) if models else st.none(),
        statements=st.lists(st.sampled_from(STATEMENTS), min_size=1, max_size=3, unique=True).map(
            tuple
        ),
        helper=st.sampled_from(helpers) if helpers else st.none(),
        noqa=st.tuples(st.sampled_from(NOQA), st.sampled_from(NOQA)),
    )


@st.composite
def project_specs(draw: st.DrawFn) -> ProjectSpec:
    models = draw(st.integers(0, 2).flatmap(model_specs))
    helpers = tuple(draw(st.lists(st.sampled_from(sorted(HELPERS)), max_size=2, unique=True)))
    has_router = draw(st.booleans())
    if len(models) + bool(helpers) + has_router < 2:  # at least three modules
        helpers = helpers or ("pause",)
    model_names = tuple(model.name for model in models)
    flat = draw(st.booleans())
    models_package = draw(st.booleans())
    if flat and not models_package:  # no package `__init__` to rebuild in, nothing relative
        models = tuple(
            replace(m, relative_import=False, rebuild="main" if "init" in m.rebuild else m.rebuild)
            for m in models
        )
    unusable = PACKAGE_ONLY if flat else FLAT_ONLY
    return ProjectSpec(
        flat=flat,
        app_init=draw(st.booleans()),
        models_package=models_package,
        models_init=draw(st.booleans()),
        models=models,
        helpers=helpers,
        helpers_module=draw(st.sampled_from(HELPER_MODULES)),
        chained=len(helpers) == 2 and draw(st.booleans()),
        helper_import=draw(st.sampled_from(sorted(HELPER_IMPORTS.keys() - unusable))),
        has_router=has_router,
        router_include=draw(st.sampled_from(sorted(ROUTER_INCLUDES.keys() - unusable))),
        routes=tuple(draw(st.lists(route_specs(helpers, model_names), min_size=1, max_size=3))),
        model_import=draw(st.sampled_from(("direct", "module_alias", "package"))),
        settings=tuple(draw(st.lists(st.sampled_from(SETTINGS), max_size=2, unique=True))),
    )
