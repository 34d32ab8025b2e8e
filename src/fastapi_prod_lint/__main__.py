"""`python -m fastapi_prod_lint`: the command line."""

from __future__ import annotations

from fastapi_prod_lint.cli import main

raise SystemExit(main())
