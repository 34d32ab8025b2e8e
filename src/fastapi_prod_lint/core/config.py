"""Settings from `[tool.fastapi-prod-lint]` in pyproject.toml; every error names the bad key."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

from fastapi_prod_lint.core.files import read_regular
from fastapi_prod_lint.core.rule import Rule, option_key

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

TABLE = "tool.fastapi-prod-lint"
LIST_KEYS = ("select", "ignore", "extend-select", "extend-ignore", "exclude", "extend-exclude")
DEFAULT_EXCLUDE = (
    *(".git", ".venv", "venv", "__pycache__", "build", "dist", ".tox", ".nox"),
    # code that serves no request (issue 12); facts are still read where the app imports it
    *("tests", "test_*.py", "*_test.py", "conftest.py", "docs", "docs_src", "examples", "scripts"),
)


class ConfigError(Exception):
    """A configuration problem; the message names the key (and the file) at fault."""


def _all_rules() -> tuple[type[Rule], ...]:
    from fastapi_prod_lint.rules import ALL_RULES

    return ALL_RULES


def known_codes() -> dict[str, str]:
    """code -> rule name (FPL001, the syntax error, is a rule like the others)."""
    return {rule.code: rule.name for rule in _all_rules()}


def option_specs() -> dict[str, tuple[type[Rule], dataclasses.Field[Any]]]:
    """pyproject key -> (rule, options field), for every rule option."""
    specs: dict[str, tuple[type[Rule], dataclasses.Field[Any]]] = {}
    for rule in _all_rules():
        for option in rule.option_fields():
            specs[option_key(option.name)] = (rule, option)
    return specs


def _default(option: dataclasses.Field[Any]) -> Any:
    if option.default is not dataclasses.MISSING:
        return option.default
    return option.default_factory()  # type: ignore[operator]


def coerce_option(key: str, option: dataclasses.Field[Any], value: Any, where: str) -> Any:
    """Check a raw option value against the option's default type (and its `choices`, when
    its metadata lists them); tuple options take lists."""
    choices = option.metadata.get("choices")
    if choices is not None and value not in choices:
        shown = ", ".join(str(choice) for choice in choices)
        raise ConfigError(f"{where}: `{key}` must be one of {shown}, got {value!r}")
    default = _default(option)
    if isinstance(default, tuple):
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}: `{key}` must be a list of strings, got {value!r}")
        return tuple(value)
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: `{key}` must be true or false, got {value!r}")
        return value
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: `{key}` must be an integer, got {value!r}")
        return value
    if not isinstance(value, type(default)):
        raise ConfigError(f"{where}: `{key}` must be a {type(default).__name__}, got {value!r}")
    check = option.metadata.get("check")  # a value's own form: raises ValueError, says why
    if check is not None:
        try:
            check(value)
        except ValueError as error:
            raise ConfigError(f"{where}: `{key}` {error}") from None
    return value


def _selector_length(selector: str, code: str) -> int:
    """How specifically `selector` matches `code` (-1: no match). ALL matches everything."""
    if selector == "ALL":
        return 0
    return len(selector) if code.startswith(selector) else -1


@dataclass(frozen=True)
class Settings:
    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    options: Mapping[str, Any] = field(default_factory=dict)
    src: tuple[str, ...] | None = None  # import roots (core/layout.py); None: inferred

    def is_enabled(self, rule: type[Rule] | str) -> bool:
        code = rule if isinstance(rule, str) else rule.code
        default_on = True if isinstance(rule, str) else rule.default_enabled
        positive = [*(self.select or ()), *self.extend_select]
        best = max((_selector_length(s, code) for s in positive), default=-1)
        if self.select is None and default_on:
            best = max(best, 0)
        worst = max((_selector_length(s, code) for s in self.ignore), default=-1)
        return best >= 0 and best > worst

    def enabled_rules(self) -> tuple[Rule, ...]:
        """Instances of every enabled rule, each with its options; made once per settings (a
        rule keeps no state between files, and this is asked for every file)."""
        rules: tuple[Rule, ...] = self._memo(
            "rules",
            lambda: tuple(
                rule(self.options_for(rule)) for rule in _all_rules() if self.is_enabled(rule)
            ),
        )
        return rules

    def _memo(self, key: str, make: Any) -> Any:
        """A value derived from the (frozen) settings, computed once."""
        memo: dict[str, Any] = self.__dict__.setdefault("_derived", {})
        if key not in memo:
            memo[key] = make()
        return memo[key]

    def options_for(self, rule: type[Rule]) -> Any:
        values = {}
        for option in rule.option_fields():
            key = option_key(option.name)
            if key in self.options:
                values[option.name] = self.options[key]
        return rule.Options(**values)

    def ignored_codes_for(self, relpath: str) -> tuple[str, ...]:
        return tuple(
            code
            for pattern, codes in self.per_file_ignores
            if fnmatch(relpath, pattern) or fnmatch(relpath, f"*/{pattern}")
            for code in codes
        )

    def fingerprint(self) -> str:
        digest: str = self._memo(
            "fingerprint", lambda: hashlib.blake2b(repr(self).encode(), digest_size=8).hexdigest()
        )
        return digest

    def override(self, **changes: Any) -> Settings:
        """A copy with the given fields replaced (front ends' own options win)."""
        if "options" in changes:
            changes["options"] = {**self.options, **changes["options"]}
        return dataclasses.replace(self, **changes)


def _check_selectors(key: str, value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: `{key}` must be a list of rule codes, got {value!r}")
    return tuple(validate_selector(v, f"{where}: `{key}`") for v in value)


def validate_selector(selector: str, where: str) -> str:
    """A code prefix (`FPL1`, `FPL101`), `ALL`, or a rule name; returns the code prefix."""
    selector = selector.strip()
    codes = known_codes()
    by_name = {name: code for code, name in codes.items()}
    if selector in by_name:
        return by_name[selector]
    upper = selector.upper()
    if upper == "ALL" or any(code.startswith(upper) for code in codes):
        return upper
    import difflib

    close = difflib.get_close_matches(selector, [*codes, *by_name], n=1)
    hint = f" (did you mean `{close[0]}`?)" if close else ""
    raise ConfigError(f"{where}: unknown rule code `{selector}`{hint}")


def settings_from_table(table: Mapping[str, Any], where: str) -> Settings:
    """Settings from the `[tool.fastapi-prod-lint]` table; `where` names its file in errors."""
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where}: `{TABLE}` must be a table")
    specs = option_specs()
    known = {*LIST_KEYS, "per-file-ignores", "src", *specs}
    values: dict[str, Any] = {}
    options: dict[str, Any] = {}
    for key, value in table.items():
        if key not in known:
            import difflib

            close = difflib.get_close_matches(key, sorted(known), n=1)
            hint = f" (did you mean `{close[0]}`?)" if close else ""
            raise ConfigError(f"{where}: unknown key `{TABLE}.{key}`{hint}")
        if key in ("select", "ignore", "extend-select", "extend-ignore"):
            values[key] = _check_selectors(key, value, where)
        elif key in ("exclude", "extend-exclude"):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{where}: `{key}` must be a list of glob patterns")
            values[key] = tuple(value)
        elif key == "src":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{where}: `src` must be a list of folders, got {value!r}")
            values[key] = tuple(value)
        elif key == "per-file-ignores":
            if not isinstance(value, Mapping):
                raise ConfigError(f"{where}: `per-file-ignores` must be a table of glob = [codes]")
            values[key] = tuple(
                (pattern, _check_selectors(f"per-file-ignores.{pattern}", codes, where))
                for pattern, codes in value.items()
            )
        else:
            options[key] = coerce_option(key, specs[key][1], value, where)
    return Settings(
        select=values.get("select"),
        extend_select=values.get("extend-select", ()),
        ignore=(*values.get("ignore", ()), *values.get("extend-ignore", ())),
        per_file_ignores=values.get("per-file-ignores", ()),
        exclude=(*values.get("exclude", DEFAULT_EXCLUDE), *values.get("extend-exclude", ())),
        options=options,
        src=values.get("src"),
    )


CONFIG_ERROR_STATUS = 2


def check_settings_or_exit(roots: Iterable[Path]) -> None:
    """For the hosts (flake8, pylint), before any file is checked: a bad configuration of
    one of the projects `roots` ends the run with one line naming the file and the key, and
    exit status 2, as the CLI does, instead of a traceback from every file."""
    for root in roots:
        try:
            load_settings(root)
        except ConfigError as error:
            sys.stderr.write(f"fastapi-prod-lint: configuration error: {error}\n")
            raise SystemExit(CONFIG_ERROR_STATUS) from None


def load_settings(root: Path) -> Settings:
    """The settings of the project at `root` (defaults when it has no table).

    Read once per process and pyproject.toml version: flake8 and pylint ask for every file.
    """
    pyproject = root / "pyproject.toml"
    try:
        stat = pyproject.stat()
    except OSError:
        return Settings()
    return _load_settings(pyproject, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=64)
def _load_settings(pyproject: Path, mtime_ns: int, size: int) -> Settings:
    try:
        data = tomllib.loads(read_regular(pyproject).decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{pyproject}: cannot read TOML: {error}") from error
    table = data.get("tool", {}).get("fastapi-prod-lint")
    if table is None:
        return Settings()
    return settings_from_table(table, str(pyproject))


def options_from_namespace(namespace: object) -> dict[str, Any]:
    """Rule options another tool parsed for us (flake8's and pylint's `fpl_<key>` attributes),
    checked like pyproject's; options left unset are not included."""
    found = {}
    for key, (_, option) in option_specs().items():
        value = getattr(namespace, "fpl_" + key.replace("-", "_"), None)
        if value is not None:
            value = _scalar_from_list(value, option)
            found[key] = coerce_option(key, option, value, f"--fpl-{key}")
    return found


def _scalar_from_list(value: Any, option: dataclasses.Field[Any]) -> Any:
    """flake8 and pylint parse every option as a comma-separated list: `--fpl-max-nesting=3`
    arrives as `["3"]`, which an integer or boolean option reads as 3."""
    default = _default(option)
    if isinstance(default, tuple) or not isinstance(value, (list, tuple, str)):
        return value
    text = value if isinstance(value, str) else ",".join(value)
    text = text.strip()
    if isinstance(default, bool):
        return {"true": True, "false": False}.get(text.lower(), text)
    if isinstance(default, int):
        try:
            return int(text)
        except ValueError:
            return text  # reported by `coerce_option`, naming the option
    return text


def parse_code_list(value: str | Sequence[str], where: str) -> tuple[str, ...]:
    """`FPL101,FPL2` from a command line or another tool's option, validated."""
    items = value.split(",") if isinstance(value, str) else list(value)
    return tuple(validate_selector(item, where) for item in items if item.strip())
