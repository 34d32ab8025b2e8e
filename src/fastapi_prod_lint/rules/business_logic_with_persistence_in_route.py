"""FPL201 business-logic-with-persistence-in-route."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from fastapi_prod_lint.core.context import ModuleContext
from fastapi_prod_lint.core.finding import Finding
from fastapi_prod_lint.core.layering import FunctionDef, handler_facts, route_role_label
from fastapi_prod_lint.core.rule import Rule


@dataclass(frozen=True)
class Options:
    min_business_rules: int = 2
    """How many kinds of business rule a handler that uses the database itself may hold
    before it is reported (ownership check, permission check, uniqueness check, password
    hashing, password verification, multi-step writes, queries feeding a decision, control
    flow beyond a single guard)."""


class BusinessLogicWithPersistenceInRoute(Rule):
    """FPL201: Checks for route handlers that hold business rules and talk to the database.

    ## What it does
    Reports a route handler that makes database calls itself (on a session, a connection or
    a cursor: queries, writes, commits, raw SQL) and also holds business rules: ownership or
    permission checks, uniqueness checks (`if <query>: raise`), password hashing or
    verification (a call that reaches bcrypt, passlib, argon2, pwdlib or hashlib's key
    derivation, through the project's helpers too), several writes, a decision fed by more
    than one query, or control flow beyond a single not-found guard. A module-level helper
    of the router's module that only this handler calls counts as part of it. The message
    names what it found. Persistence through an injected repository, service or crud object
    or function is not direct and is never counted; trivial CRUD (get or 404, add, commit,
    refresh) holds no business rule; a long handler that delegates is not reported.

    ## Why is this bad?
    A handler that queries, checks who owns what, hashes, writes and commits inline can only
    be tested through HTTP with a database behind it, and its rules cannot be reused by a
    second route, a CLI or a worker: the next route re-implements the ownership check
    slightly differently. A service layer keeps the rule in one function that takes plain
    arguments and a session, and the route keeps to HTTP: parse, call, shape the response.

    ## Example
    ```python
    from typing import Annotated

    import bcrypt
    from fastapi import Depends, FastAPI, HTTPException
    from sqlmodel import Field, Session, SQLModel, select

    app = FastAPI()


    class User(SQLModel, table=True):
        id: int | None = Field(default=None, primary_key=True)
        email: str
        hashed_password: bytes


    class PasswordChange(SQLModel):
        old_password: str
        new_password: str


    def get_session():
        yield Session()


    @app.put("/users/{user_id}/password", status_code=204)
    def change_password(
        user_id: int,
        body: PasswordChange,
        current_user_id: int,
        session: Annotated[Session, Depends(get_session)],
    ) -> None:
        user = session.exec(select(User).where(User.id == user_id)).first()
        if user is None:
            raise HTTPException(404)
        if user.id != current_user_id:
            raise HTTPException(403)
        if not bcrypt.checkpw(body.old_password.encode(), user.hashed_password):
            raise HTTPException(400, "wrong password")
        user.hashed_password = bcrypt.hashpw(body.new_password.encode(), bcrypt.gensalt())
        session.add(user)
        session.commit()
    ```

    Use instead:
    ```python
    # app/services/users.py
    import bcrypt
    from sqlmodel import Session, select

    from app.models import User


    class NotFound(Exception): ...


    class Forbidden(Exception): ...


    def change_password(session: Session, user_id: int, actor: int, old: str, new: str) -> None:
        user = session.exec(select(User).where(User.id == user_id)).first()
        if user is None:
            raise NotFound
        if user.id != actor or not bcrypt.checkpw(old.encode(), user.hashed_password):
            raise Forbidden
        user.hashed_password = bcrypt.hashpw(new.encode(), bcrypt.gensalt())
        session.add(user)
        session.commit()


    # app/main.py
    from typing import Annotated

    from fastapi import Depends, FastAPI, HTTPException
    from sqlmodel import Session, SQLModel

    from app.services import users

    app = FastAPI()


    class PasswordChange(SQLModel):
        old_password: str
        new_password: str


    def get_session():
        yield Session()


    @app.put("/users/{user_id}/password", status_code=204)
    def change_password(
        user_id: int,
        body: PasswordChange,
        current_user_id: int,
        session: Annotated[Session, Depends(get_session)],
    ) -> None:
        try:
            users.change_password(
                session, user_id, current_user_id, body.old_password, body.new_password
            )
        except users.NotFound:
            raise HTTPException(404)
        except users.Forbidden:
            raise HTTPException(403)
    ```
    The service takes a session and plain values: it can be tested without HTTP and reused by
    any caller. The route maps its outcomes to status codes.

    ## Options
    `min-business-rules` (default 2): how many kinds of business rule make a handler that
    uses the database fat. Set it to 1 to also report a handler with a single ownership
    check next to its queries.

    ## References
    - [FastAPI: Bigger applications](https://fastapi.tiangolo.com/tutorial/bigger-applications/)
    - [Cosmic Python: the service layer](https://www.cosmicpython.com/book/chapter_04_service_layer.html)
    """

    code = "FPL201"
    name = "business-logic-with-persistence-in-route"
    message = "{Where} mixes business rules with persistence: {found}"
    fix_title = "Move the rules and the database calls into a service function the route calls"
    added_in = "0.1.0"
    Options = Options

    def visit_FunctionDef(self, node: ast.FunctionDef, ctx: ModuleContext) -> Iterator[Finding]:
        return self._check(node, ctx)

    def visit_AsyncFunctionDef(
        self, node: ast.AsyncFunctionDef, ctx: ModuleContext
    ) -> Iterator[Finding]:
        return self._check(node, ctx)

    def _check(self, node: FunctionDef, ctx: ModuleContext) -> Iterator[Finding]:
        label = route_role_label(node, ctx)
        if label is None:
            return
        facts = handler_facts(node, ctx)
        if facts.persists and len(facts.rules) >= self.options.min_business_rules:
            found = ", ".join([*facts.rules, *facts.persistence()])
            yield self.report(node, ctx, Where=label[0].upper() + label[1:], found=found)
