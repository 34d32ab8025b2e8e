"""A module written for a newer Python than the linter runs on keeps its facts for the other
files (libcst reads it, core/newer_syntax.py and newer_grammar.py), FPL001 names the Python the
project targets, and without libcst the command line says which files' facts are missing.

The suite runs on Python 3.10 and 3.13: the 3.12 constructs are read through libcst on 3.10,
the 3.14 ones on both. Where a test needs an older interpreter than the one running it, it
says so by pretending (the parser's verdict on the rewritten source is the running one's)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest
from frontend_helpers import PYLINT_ONLY_OURS, run

from fastapi_prod_lint import check_paths
from fastapi_prod_lint.cli import main
from fastapi_prod_lint.core import newer_syntax, summary_codec, syntax
from fastapi_prod_lint.core.config import ConfigError, settings_from_table
from fastapi_prod_lint.core.declared_versions import requires_python
from fastapi_prod_lint.core.summary import summarize

FIXTURE = Path(__file__).parent / "fixtures" / "FPL001" / "project_facts_of_newer_syntax_module"
RUNNING = sys.version_info[:2]
HELPER = "\n\ndef pause(seconds: float) -> None:\n    time.sleep(seconds)\n"
ROUTE = (
    "from fastapi import FastAPI\n\nfrom app.newer import pause\n\napp = FastAPI()\n\n\n"
    '@app.get("/pause")\nasync def wait():\n    pause(1)\n'
)
# id: (the Python it needs, a module using it that also defines the sync helper `pause`)
NEWER = {
    "except_star": ((3, 11), "import time\n\ntry:\n    pass\nexcept* ValueError:\n    pass\n"),
    "star_unpacking": (
        (3, 11),
        "import time\nfrom typing import Generic\n\n\nclass Row(Generic[*Ts]):\n"
        "    def __init__(self, *values: *Ts) -> None:\n        self.values = values\n",
    ),
    "type_statement": ((3, 12), "import time\n\ntype Seconds = float\n"),
    "generic_function": (
        (3, 12),
        "import time\n\n\ndef first[T](items: list[T]) -> T:\n    return items[0]\n",
    ),
    "generic_class": ((3, 12), "import time\n\n\nclass Box[T]:\n    item: T\n"),
    "fstring_nested_quotes": (
        (3, 12),
        'import time\n\nNAMES = {"a": 1}\nLABEL = f"{NAMES["a"]}"\n',
    ),
    "fstring_backslash": (
        (3, 12),
        "import time\n\nNAMES = ['a']\nLABEL = f\"{'\\n'.join(NAMES)}\"\n",
    ),
    "except_without_parentheses": (
        (3, 14),
        "import time\n\ntry:\n    pass\nexcept ValueError, TypeError:\n    pass\n",
    ),
    "template_string": ((3, 14), 'import time\n\nNAME = "x"\nGREETING = t"hello {NAME}"\n'),
}


def write(root: Path, files: dict[str, str], pyproject: str = "") -> Path:
    (root / "pyproject.toml").write_text(pyproject + "[tool.fastapi-prod-lint]\n")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def newer_project(root: Path, newer: str) -> Path:
    return write(
        root, {"app/__init__.py": "", "app/newer.py": newer + HELPER, "app/main.py": ROUTE}
    )


def findings(root: Path) -> list[tuple[str, int, str, str]]:
    return [
        (Path(f.path).name, f.line, f.code, f.message)
        for f in check_paths([str(root)], use_cache=False, jobs=1)
    ]


def without_libcst(monkeypatch: pytest.MonkeyPatch) -> None:
    """This process as if libcst were not installed."""
    monkeypatch.setitem(sys.modules, "libcst", None)
    monkeypatch.delitem(sys.modules, "fastapi_prod_lint.newer_grammar", raising=False)


# -- the facts are kept --------------------------------------------------------------------
@pytest.mark.parametrize(("needs", "source"), NEWER.values(), ids=list(NEWER))
def test_a_sync_helper_in_a_newer_module_is_followed_on_every_python(
    tmp_path: Path, needs: tuple[int, int], source: str
) -> None:
    found = findings(newer_project(tmp_path, source))
    assert [(name, line, code) for name, line, code, _ in found if code != "FPL001"] == [
        ("main.py", 10, "FPL102")
    ]
    syntax_errors = [message for _, _, code, message in found if code == "FPL001"]
    if needs <= RUNNING:
        assert syntax_errors == []
    else:
        [message] = syntax_errors
        assert message.endswith(syntax.KEPT_FACTS)


@pytest.mark.parametrize(("needs", "source"), NEWER.values(), ids=list(NEWER))
def test_without_libcst_the_facts_are_missing_and_the_run_says_which(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    needs: tuple[int, int],
    source: str,
) -> None:
    if needs <= RUNNING:
        pytest.skip("this interpreter parses it")
    without_libcst(monkeypatch)
    root = newer_project(tmp_path, source)
    found = findings(root)
    [(name, _, code, message)] = found  # the route's FPL102 is lost with the helper's facts
    assert (name, code) == ("newer.py", "FPL001")
    assert message.endswith(syntax.MISSING_FACTS)
    assert main([str(root), "--no-cache"]) == 1
    err = capsys.readouterr().err.strip()
    running = f"{RUNNING[0]}.{RUNNING[1]}"
    assert err == (
        f"fastapi-prod-lint: 1 file uses syntax newer than Python {running}: its facts are "
        f"missing from cross-file analysis: {root / 'app' / 'newer.py'}"
    )


def test_the_closing_line_names_every_file_whose_facts_are_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    if RUNNING >= (3, 14):
        pytest.skip("this interpreter parses it")
    without_libcst(monkeypatch)
    newer = NEWER["except_without_parentheses"][1]
    write(tmp_path, {"a.py": newer, "b.py": newer, "c.py": "x = 1\n"})
    monkeypatch.chdir(tmp_path)
    assert main([".", "--no-cache"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("fastapi-prod-lint: 2 files use syntax newer than Python ")
    assert err.endswith(": their facts are missing from cross-file analysis: a.py, b.py")


def test_a_newer_clause_after_older_ones_is_found(tmp_path: Path) -> None:
    """The whole file is searched for the newer construct, not only its first `except`."""
    source = "import time\n\ntry:\n    pass\nexcept ValueError:\n    pass\n\n"
    source += NEWER["except_without_parentheses"][1].removeprefix("import time\n\n")
    found = findings(newer_project(tmp_path, source))
    assert [(name, code) for name, _, code, _ in found if code != "FPL001"] == [
        ("main.py", "FPL102")
    ]


def test_no_closing_line_when_the_facts_are_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = newer_project(tmp_path, NEWER["except_without_parentheses"][1])
    main([str(root), "--no-cache"])
    assert capsys.readouterr().err == ""


@pytest.mark.skipif(RUNNING < (3, 12), reason="needs a Python that parses PEP 695 natively")
@pytest.mark.parametrize(("needs", "source"), NEWER.values(), ids=list(NEWER))
def test_a_rewritten_module_summarises_as_the_native_parse(
    monkeypatch: pytest.MonkeyPatch, needs: tuple[int, int], source: str
) -> None:
    """On 3.12+, the module read as Python 3.10 would read it (through libcst) has the summary
    that the native parse gives: the same facts, on the same lines."""
    if needs > RUNNING:
        pytest.skip("this interpreter cannot parse it natively")
    source += ALIASES + HELPER.replace("pause", "later")
    native = summarize(ast.parse(source), "app.newer", "app/newer.py", False, "d")
    pretend_older(monkeypatch, (3, 10))
    rewritten = newer_syntax.parse_newer(source)
    assert rewritten is not None
    summary = summarize(rewritten.tree, "app.newer", "app/newer.py", False, "d")
    assert summary_codec.encode(summary) == summary_codec.encode(native)
    assert summary.type_aliases["Session"] == "dict[str, int]"


ALIASES = """
from typing import TYPE_CHECKING

type Session = dict[str, int]
if TYPE_CHECKING:
    type Later = int


async def load[T](key: T) -> T:
    type Local = list[T]
    pause(1)
    return key


class Store[K]:
    type Inner = int

    def get(self, key: K) -> K:
        return key
"""


@pytest.mark.skipif(RUNNING >= (3, 12), reason="Python 3.12 has `ast.TypeAlias`")
def test_type_statements_outside_functions_become_type_alias_nodes() -> None:
    """Where 3.12's `ast` would make a `TypeAlias` the summary gets the stand-in node, so it
    reads the module as 3.12 does; inside a function the statement stays an assignment."""
    rewritten = newer_syntax.parse_newer(ALIASES)
    assert rewritten is not None
    aliases = {
        node.name.id: type(parent).__name__
        for parent in ast.walk(rewritten.tree)
        for node in getattr(parent, "body", ())
        if isinstance(node, newer_syntax.TypeAliasStatement)
    }
    assert aliases == {"Session": "Module", "Later": "If", "Inner": "ClassDef"}
    summary = summarize(rewritten.tree, "app.aliases", "app/aliases.py", False, "d")
    assert summary.type_aliases == {"Session": "dict[str, int]", "Later": "int"}


def pretend_older(monkeypatch: pytest.MonkeyPatch, version: tuple[int, int]) -> None:
    from fastapi_prod_lint import newer_grammar

    for module in (newer_syntax, newer_grammar, syntax):
        monkeypatch.setattr(module, "running_python", lambda: version)


@pytest.mark.parametrize(
    "source",
    [
        "def f[\n    T,  # the item\n](items: list[T]) -> T:\n    return items[0]\n",
        "class Box[T: (int, str) = int]:\n    pass\n",
        'label = f"""{\n    NAMES["a"]  # a comment\n}"""\n',
        "try:\n    pass\nexcept* ValueError, TypeError:\n    pass\n",
    ],
    ids=[
        "type_parameters_over_lines",
        "bound_and_default",
        "multiline_fstring",
        "except_star_pair",
    ],
)
def test_a_rewrite_keeps_every_line(monkeypatch: pytest.MonkeyPatch, source: str) -> None:
    """What follows a rewritten construct stays on its line (the summary's lines are the
    file's), and the rewrite is Python 3.10 syntax."""
    if 'f"' in source and RUNNING >= (3, 12):
        pytest.skip("whether an f-string needs rewriting is the running parser's verdict")
    pretend_older(monkeypatch, (3, 10))
    source += "\n\ndef after():\n    return 1\n"
    rewritten = newer_syntax.parse_newer(source)
    assert rewritten is not None
    [after] = [
        n for n in rewritten.tree.body if isinstance(n, ast.FunctionDef) and n.name == "after"
    ]
    assert after.lineno == source.splitlines().index("def after():") + 1


@pytest.mark.parametrize(
    "hostile",
    [
        "x = " + "(" * 3000 + "1" + ")" * 3000 + "\n",
        "x = " + "-" * 10000 + "1\n",
        "x = " + "lambda: " * 10000 + "1\n",
        "x = " + "1 + " * 5000 + "1\n",
    ],
    ids=["deep_brackets", "long_unary_chain", "long_lambda_chain", "long_binary_chain"],
)
def test_hostile_nesting_never_reaches_libcst(
    monkeypatch: pytest.MonkeyPatch, hostile: str
) -> None:
    """libcst's parser overflows its stack on such files (the process dies) or takes minutes:
    they are left to the plain FPL001 message."""
    pretend_older(monkeypatch, (3, 10))
    assert newer_syntax.parse_newer("type Seconds = float\n" + hostile) is None


def test_a_plain_syntax_error_in_a_newer_module_keeps_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pretend_older(monkeypatch, (3, 10))
    assert newer_syntax.parse_newer("type Seconds = float\n") is not None
    assert newer_syntax.parse_newer("type Seconds = float\ndef f(:\n    pass\n") is None
    assert newer_syntax.parse_newer("x = 1\ndef f(:\n    pass\n") is None


# -- the Python the project targets ----------------------------------------------------------
@pytest.mark.parametrize(
    ("pyproject", "expected"),
    [
        ('[project]\nrequires-python = ">=3.12"\n', ((3, 12), ">=3.12 (requires-python)")),
        ('[project]\nrequires-python = "~=3.11"\n', ((3, 11), "~=3.11 (requires-python)")),
        ('[project]\nrequires-python = ">=3.10, <4"\n', ((3, 10), ">=3.10, <4 (requires-python)")),
        ('[tool.poetry.dependencies]\npython = "^3.13"\n', ((3, 13), "^3.13 (tool.poetry)")),
        ('[project]\nrequires-python = "<3.13"\n', None),
        ('[project]\nname = "x"\n', None),
    ],
)
def test_requires_python_gives_the_lowest_python(
    tmp_path: Path, pyproject: str, expected: tuple[tuple[int, int], str] | None
) -> None:
    (tmp_path / "pyproject.toml").write_text(pyproject)
    assert requires_python(tmp_path) == expected


def test_the_message_names_the_target_and_the_python_to_run_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pretend_older(monkeypatch, (3, 10))
    error = SyntaxError("invalid syntax", ("app.py", 1, 6, "type Seconds = float\n", 1, 7))
    lines = ["type Seconds = float\n"]
    target = syntax.Target((3, 13), "Python >=3.13 (requires-python)")
    assert syntax.describe(error, lines, target) == (
        "Needs Python >= 3.12: `type` statement (PEP 695); the project targets Python >=3.13 "
        "(requires-python); run fastapi-prod-lint on Python >= 3.13 to check this file "
        f"(this run: Python 3.10); {syntax.MISSING_FACTS}"
    )


def test_requires_python_reaches_the_message(tmp_path: Path) -> None:
    needs, source = NEWER["except_without_parentheses"]
    if needs <= RUNNING:
        pytest.skip("this interpreter parses it")
    write(tmp_path, {"app.py": source}, '[project]\nrequires-python = ">=3.14"\n')
    [(_, _, _, message)] = findings(tmp_path)
    assert (
        "; the project targets Python >=3.14 (requires-python); run fastapi-prod-lint on "
        "Python >= 3.14 to check this file" in message
    )


def test_target_version_wins_over_requires_python(tmp_path: Path) -> None:
    needs, source = NEWER["except_without_parentheses"]
    if needs <= RUNNING:
        pytest.skip("this interpreter parses it")
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nrequires-python = ">=3.10"\n\n'
        '[tool.fastapi-prod-lint]\ntarget-version = "py315"\n'
    )
    (tmp_path / "app.py").write_text(source)
    [(_, _, _, message)] = findings(tmp_path)
    assert (
        "; the project targets Python 3.15 (target-version); run fastapi-prod-lint on "
        "Python >= 3.15 to check this file" in message
    )


@pytest.mark.parametrize("value", ["3.12", "py2", "python312", ""])
def test_a_bad_target_version_names_the_key(value: str) -> None:
    if not value:
        assert settings_from_table({"target-version": value}, "pyproject.toml").options
        return
    with pytest.raises(
        ConfigError,
        match=r"pyproject.toml: `target-version` must be a Python version written like `py312`",
    ):
        settings_from_table({"target-version": value}, "pyproject.toml")


# -- every front end -------------------------------------------------------------------------
def test_flake8_and_pylint_see_the_facts_of_the_newer_module(tmp_path: Path) -> None:
    """The project fixture's route findings come from the Python 3.12 module in every front
    end; the module itself is the hosts' own E999 and E0001 where this Python cannot parse it."""
    pytest.importorskip("flake8")
    pytest.importorskip("pylint")
    import shutil

    root = tmp_path / "proj"
    shutil.copytree(FIXTURE, root)
    flake8 = run(["flake8", "--select", "E9,FPL", "app"], root).stdout.splitlines()
    pylint = run([*PYLINT_ONLY_OURS, "app"], root).stdout
    assert sorted(line.split(": ", 1)[0] for line in flake8 if "app/routes.py" in line) == [
        "app/routes.py:13:12",
        "app/routes.py:14:12",
    ]
    assert "app/routes.py:13:11: W8811" in pylint and "app/routes.py:14:11: W8812" in pylint
    parses = RUNNING >= (3, 12)
    assert any("app/deps.py" in line and " E999 " in line for line in flake8) != parses
    assert ("app/deps.py:11:" in pylint and "E0001" in pylint) != parses
