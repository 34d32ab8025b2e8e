"""`load-plugins=fastapi_prod_lint.pylint`: the name users load; the adapter is pylint_plugin."""

from __future__ import annotations

from fastapi_prod_lint.pylint_plugin import FastAPIProdLintChecker, register

__all__ = ["FastAPIProdLintChecker", "register"]
