"""fastapi-prod-lint: static analysis for the mistakes that take FastAPI services down."""

from __future__ import annotations

__version__ = "0.1.0"

from fastapi_prod_lint.core.finding import Finding
from fastapi_prod_lint.core.runner import check_paths, check_source

__all__ = ["Finding", "__version__", "check_paths", "check_source"]
