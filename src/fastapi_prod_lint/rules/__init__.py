"""The registry: every rule, one explicit tuple sorted by code."""

from __future__ import annotations

from fastapi_prod_lint.core.rule import Rule
from fastapi_prod_lint.rules.blocking_call_in_async_route import BlockingCallInAsyncRoute
from fastapi_prod_lint.rules.blocking_call_via_sync_helper import BlockingCallViaSyncHelper
from fastapi_prod_lint.rules.business_logic_with_persistence_in_route import (
    BusinessLogicWithPersistenceInRoute,
)
from fastapi_prod_lint.rules.forward_ref_needs_model_rebuild import ForwardRefNeedsModelRebuild
from fastapi_prod_lint.rules.global_statement_in_request_path import GlobalStatementInRequestPath
from fastapi_prod_lint.rules.import_cycle_between_model_modules import (
    ImportCycleBetweenModelModules,
)
from fastapi_prod_lint.rules.model_rebuild_before_names_are_bound import (
    ModelRebuildBeforeNamesAreBound,
)
from fastapi_prod_lint.rules.orm_class_as_response_model import OrmClassAsResponseModel
from fastapi_prod_lint.rules.per_request_state_in_module_object import (
    PerRequestStateInModuleObject,
)
from fastapi_prod_lint.rules.per_request_state_on_app_or_class import PerRequestStateOnAppOrClass
from fastapi_prod_lint.rules.relationship_annotation_breaks_mapping import (
    RelationshipAnnotationBreaksMapping,
)
from fastapi_prod_lint.rules.route_handler_too_complex import RouteHandlerTooComplex
from fastapi_prod_lint.rules.router_module_without_service_layer import (
    RouterModuleWithoutServiceLayer,
)
from fastapi_prod_lint.rules.secret_field_in_response_model import SecretFieldInResponseModel
from fastapi_prod_lint.rules.syntax_error import SyntaxErrorInFile
from fastapi_prod_lint.rules.table_model_as_request_body import TableModelAsRequestBody
from fastapi_prod_lint.rules.table_model_as_response_model import TableModelAsResponseModel
from fastapi_prod_lint.rules.thread_local_in_async_app import ThreadLocalInAsyncApp

ALL_RULES: tuple[type[Rule], ...] = (
    SyntaxErrorInFile,
    BlockingCallInAsyncRoute,
    BlockingCallViaSyncHelper,
    BusinessLogicWithPersistenceInRoute,
    RouteHandlerTooComplex,
    RouterModuleWithoutServiceLayer,
    TableModelAsResponseModel,
    OrmClassAsResponseModel,
    TableModelAsRequestBody,
    SecretFieldInResponseModel,
    GlobalStatementInRequestPath,
    PerRequestStateInModuleObject,
    ThreadLocalInAsyncApp,
    PerRequestStateOnAppOrClass,
    ForwardRefNeedsModelRebuild,
    ModelRebuildBeforeNamesAreBound,
    RelationshipAnnotationBreaksMapping,
    ImportCycleBetweenModelModules,
)

RULES_BY_CODE: dict[str, type[Rule]] = {rule.code: rule for rule in ALL_RULES}
