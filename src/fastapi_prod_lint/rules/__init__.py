"""The registry: every rule, one explicit tuple sorted by code."""

from __future__ import annotations

from fastapi_prod_lint.core.rule import Rule
from fastapi_prod_lint.rules.blocking_call_in_async_route import BlockingCallInAsyncRoute
from fastapi_prod_lint.rules.blocking_call_via_sync_helper import BlockingCallViaSyncHelper

ALL_RULES: tuple[type[Rule], ...] = (BlockingCallInAsyncRoute, BlockingCallViaSyncHelper)

RULES_BY_CODE: dict[str, type[Rule]] = {rule.code: rule for rule in ALL_RULES}
