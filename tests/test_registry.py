"""The registry: every rule module is registered once, and its metadata follows the conventions."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
import re
from types import ModuleType

import pytest

import fastapi_prod_lint.rules as rules_package
from fastapi_prod_lint.core.rule import NAME_RE, Rule, pylint_message_id
from fastapi_prod_lint.rules import ALL_RULES, RULES_BY_CODE

CODE_RE = re.compile(r"^FPL[0-6][0-9]{2}$")
VERSION_RE = re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+$")

# pylint message ids are public (users write them in `disable=`): add a row for each new rule,
# never change a row.
PYLINT_IDS = {
    "FPL001": "W8801",  # pylint reports a syntax error itself (E0001): the plugin leaves it out
    "FPL101": "W8811",
    "FPL102": "W8812",
    "FPL301": "W8831",
    "FPL302": "W8832",
    "FPL303": "W8833",
    "FPL201": "W8821",
    "FPL202": "W8822",
    "FPL203": "W8823",
    "FPL304": "W8834",
    "FPL401": "W8841",
    "FPL402": "W8842",
    "FPL403": "W8843",
    "FPL404": "W8844",
    "FPL501": "W8851",
    "FPL502": "W8852",
    "FPL503": "W8853",
    "FPL504": "W8854",
}


def rule_modules() -> list[ModuleType]:
    return [
        importlib.import_module(f"{rules_package.__name__}.{info.name}")
        for info in pkgutil.iter_modules(rules_package.__path__)
    ]


def rules_defined_in(module: ModuleType) -> list[type[Rule]]:
    return [
        value
        for value in vars(module).values()
        if inspect.isclass(value)
        and issubclass(value, Rule)
        and value is not Rule
        and value.__module__ == module.__name__
    ]


def rule_id(rule: type[Rule]) -> str:
    return rule.code


def test_all_rules_is_sorted_by_code_without_duplicates() -> None:
    codes = [rule.code for rule in ALL_RULES]
    assert codes == sorted(codes)
    assert len(set(codes)) == len(codes)
    assert set(RULES_BY_CODE) == set(codes)


def test_names_are_unique() -> None:
    names = [rule.name for rule in ALL_RULES]
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("rule", ALL_RULES, ids=rule_id)
def test_code_is_fpl_with_a_family_digit_and_two_digits(rule: type[Rule]) -> None:
    assert CODE_RE.match(rule.code), rule.code


@pytest.mark.parametrize("rule", ALL_RULES, ids=rule_id)
def test_name_is_kebab_case_and_says_what_is_flagged(rule: type[Rule]) -> None:
    assert NAME_RE.match(rule.name), rule.name
    assert not rule.name.startswith(("no-", "disallow-")), rule.name
    assert not rule.name.endswith("-rule"), rule.name


@pytest.mark.parametrize("module", rule_modules(), ids=lambda module: module.__name__)
def test_every_rule_module_defines_one_registered_rule_named_like_the_module(
    module: ModuleType,
) -> None:
    defined = rules_defined_in(module)
    assert len(defined) == 1, f"{module.__name__} defines {defined}"
    rule = defined[0]
    assert rule in ALL_RULES, f"{rule.__name__} is missing from ALL_RULES"
    assert module.__name__.rpartition(".")[2] == rule.name.replace("-", "_")
    assert (module.__doc__ or "").startswith(rule.code), module.__doc__


def test_every_registered_rule_comes_from_its_own_module() -> None:
    modules = {module.__name__ for module in rule_modules()}
    assert {rule.__module__ for rule in ALL_RULES} == modules


@pytest.mark.parametrize("rule", ALL_RULES, ids=rule_id)
def test_message_and_fix_title_have_no_trailing_period_and_no_code_prefix(
    rule: type[Rule],
) -> None:
    for text in (rule.message, rule.fix_title):
        assert text.strip(), f"{rule.code} has an empty message or fix title"
        assert not text.endswith("."), text
        assert not text.startswith(rule.code), text


@pytest.mark.parametrize("rule", ALL_RULES, ids=rule_id)
def test_options_are_a_frozen_dataclass_with_defaults(rule: type[Rule]) -> None:
    assert dataclasses.is_dataclass(rule.Options)
    options = rule.Options()  # every option has a default
    field = next((field.name for field in dataclasses.fields(options)), "any_name")
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(options, field, None)


@pytest.mark.parametrize("rule", ALL_RULES, ids=rule_id)
def test_added_in_is_a_version(rule: type[Rule]) -> None:
    assert VERSION_RE.match(rule.added_in), rule.added_in


def test_pylint_message_ids_are_pinned() -> None:
    assert {rule.code: pylint_message_id(rule.code) for rule in ALL_RULES} == PYLINT_IDS


def test_pylint_message_ids_are_unique() -> None:
    ids = [pylint_message_id(rule.code) for rule in ALL_RULES]
    assert len(set(ids)) == len(ids)
