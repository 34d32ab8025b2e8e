"""The registry: every rule, one explicit tuple sorted by code."""

from __future__ import annotations

from fastapi_prod_lint.core.rule import Rule
from fastapi_prod_lint.rules.blocking_call_in_async_route import BlockingCallInAsyncRoute
from fastapi_prod_lint.rules.blocking_call_via_sync_helper import BlockingCallViaSyncHelper
from fastapi_prod_lint.rules.orm_class_as_response_model import OrmClassAsResponseModel
from fastapi_prod_lint.rules.secret_field_in_response_model import SecretFieldInResponseModel
from fastapi_prod_lint.rules.table_model_as_request_body import TableModelAsRequestBody
from fastapi_prod_lint.rules.table_model_as_response_model import TableModelAsResponseModel

ALL_RULES: tuple[type[Rule], ...] = (
    BlockingCallInAsyncRoute,
    BlockingCallViaSyncHelper,
    TableModelAsResponseModel,
    OrmClassAsResponseModel,
    TableModelAsRequestBody,
    SecretFieldInResponseModel,
)

RULES_BY_CODE: dict[str, type[Rule]] = {rule.code: rule for rule in ALL_RULES}
