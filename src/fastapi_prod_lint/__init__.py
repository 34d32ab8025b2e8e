"""fastapi-prod-lint: static analysis for the mistakes that take FastAPI services down."""

# No `from __future__ import` here: that statement imports a module, and so does every other
# import below. `python -m fastapi_prod_lint` puts the current folder first on `sys.path`; in a
# checkout of untrusted code, a `__future__.py`, `typing.py` or `json.py` there would be
# imported in place of the standard library's. `os` and `sys` are loaded before any of it
# (`site` needs them): drop that folder from the path before anything else is imported.
import os
import sys

if sys.argv[:1] == ["-m"] and sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

__version__ = "0.1.0"

from fastapi_prod_lint.core.finding import Finding
from fastapi_prod_lint.core.runner import check_paths, check_source

__all__ = ["Finding", "__version__", "check_paths", "check_source"]
