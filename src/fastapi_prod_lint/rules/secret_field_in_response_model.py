"""FPL304 secret-field-in-response-model."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from fastapi_prod_lint.core.context import ModuleContext
from fastapi_prod_lint.core.finding import Finding
from fastapi_prod_lint.core.models import ORM, Field, Reached, fields, short
from fastapi_prod_lint.core.naming import names_term, term_words, words
from fastapi_prod_lint.core.redaction import handler_redacts
from fastapi_prod_lint.core.responses import Declared, ResponseModelRule, describe, reached

MORE_SHOWN = 3  # other models named in a finding's message

SECRET_TYPES = frozenset(
    f"pydantic.{module}{name}"
    for module in ("", "types.", "v1.", "v1.types.")
    for name in ("SecretStr", "SecretBytes", "Secret")
)
# words that may follow the secret in a name without changing what it is: `password_hash`
CARRIER_WORDS = frozenset(
    {"hash", "hashed", "digest", "encrypted", "enc", "plain", "plaintext", "raw", "value"}
    | {"encoded", "b64", "base64", "hex"}
)
# a first word that makes the name a flag about the secret: `is_password_set`, `has_token`
FLAG_WORDS = frozenset({"is", "has", "have", "needs", "requires", "should", "can", "uses"})


def is_secret_name(name: str, terms: tuple[str, ...], qualifiers: tuple[str, ...] = ()) -> bool:
    """The name's head noun is a secret term, only carrier words after it (`password_hash`);
    `password_changed_at`, `token_type` and `is_password_set` are about a secret, not one.
    A qualifier before the term makes it something else: `eos_token` (a model's vocabulary),
    `next_token` (a page cursor), `cost_per_reasoning_token` (a price), `created_by_api_key`
    (a reference)."""
    found = words(name)
    if not found or found[0] in FLAG_WORDS or not names_term(name, terms, CARRIER_WORDS):
        return False
    for wanted in term_words(terms):
        for start in range(len(found) - len(wanted) + 1):
            end = start + len(wanted)
            if found[start:end] == wanted and all(w in CARRIER_WORDS for w in found[end:]):
                return not any(word in qualifiers for word in found[:start])
    return False


def is_auth_route(path: str, endpoint: str, route_words: tuple[str, ...]) -> bool:
    """A login, registration, token or refresh route, by the words of its path or endpoint
    name: `/auth/token`, `/login/access-token`, `login_for_access_token`, `register_user`."""
    return names_term(path, route_words, None) or names_term(endpoint, route_words, None)


def names_field(name: str, names: tuple[str, ...]) -> bool:
    """`name` is one of `names`, written snake_case or camelCase (`accessToken`)."""
    return words(name) in term_words(names)


@dataclass(frozen=True)
class Options:
    secret_field_names: tuple[str, ...] = (
        "password",
        "passwd",
        "pwd",
        "passphrase",
        "secret",
        "token",
        "api_key",
        "apikey",
        "private_key",
        "secret_key",
        "access_key",
        "signing_key",
        "credentials",
    )
    """Secret terms, matched on the words of a field name (snake_case or camelCase) as its head
    noun: `password` matches `hashed_password` and `passwordHash`, not `password_changed_at`."""
    non_secret_qualifiers: tuple[str, ...] = (
        *("eos", "bos", "pad", "unk", "sep", "cls", "mask", "special"),
        *("next", "prev", "previous", "page", "continuation", "cursor"),
        *("per", "max", "min", "num", "by"),
    )
    """Words that, right before a secret term, make the name about something else: special
    tokens of a language model (`eos_token`, `pad_token`), page cursors (`next_token`,
    `page_token`), prices and limits (`cost_per_token`, `max_token`) and references to a
    credential (`created_by_api_key`)."""
    allowed_secret_fields: tuple[str, ...] = ()
    """Field names never reported, whatever the route (exact names)."""
    auth_route_fields: tuple[str, ...] = ("token", "access_token", "refresh_token", "id_token")
    """Fields not reported in what an auth route sends (snake_case or camelCase)."""
    auth_route_words: tuple[str, ...] = (
        "login",
        "signin",
        "sign_in",
        "register",
        "signup",
        "sign_up",
        "authenticate",
        "token",
        "refresh",
    )
    """Words of a route's path or endpoint name that make it an auth route."""
    redaction_words: tuple[str, ...] = (
        "redact",
        "mask",
        "obfuscat",
        "scrub",
        "censor",
        "sanitiz",
        "sanitis",
        "anonymi",
    )
    """Word stems of function names that redact: a handler that calls one (`redact_keys(...)`,
    `get_masked_values(...)`), itself or through project helpers up to three calls down, is
    not reported. An empty list turns the exemption off."""


class SecretFieldInResponseModel(ResponseModelRule):
    """FPL304: Checks for response models that send a password, a token or a key.

    ## What it does
    Reports a route whose response model (found as for FPL301: `response_model=`, the return
    annotation, `responses=`, through containers, aliases and modules; table models and the
    models nested in fields included) has a field, its own or inherited, whose name says it
    holds a secret: `password`, `hashed_password`, `client_secret`, `api_key`, `reset_token`,
    `privateKey`, ... A field is not reported when its type is `SecretStr` or `SecretBytes`
    (sent masked), when it is excluded (`Field(exclude=True)`, also inside `Annotated`), or
    when the route leaves it out with `response_model_exclude` / `response_model_include`.
    Names are split into words and the secret must be the head noun: `password_changed_at`,
    `token_type` and `is_password_set` are about a secret, not one; nor are `eos_token` (a
    language model's special token), `next_token` (a page cursor), `cost_per_token` (a price)
    or `created_by_api_key` (a reference).

    A route gets one finding per declared type: the first model with secrets is named, with
    its fields, and the other models it nests that hold secrets follow in brackets.

    A handler that redacts what it sends is not reported: it calls a function named for it
    (`redact_secrets(...)`, `mask_key(...)`, `get_masked_values(...)`, `scrub(...)`), itself
    or in a project helper up to three calls down. The response model's field names then no
    longer say what the client receives.

    Login, registration, token and refresh routes may send `token`, `access_token`,
    `refresh_token` and `id_token` (also `accessToken`, ...): handing out the token is the
    route's whole purpose, as in an OAuth2 token response. A route is one of these when the
    words of its path or of its endpoint's name say so: `POST /auth/token`,
    `/login/access-token`, `/register`, `/signup`, `/token/refresh`,
    `login_for_access_token`, `register_user`. The same fields sent by any other route
    (`GET /users/me`, a linked account) are reported, and so are other secrets on an auth
    route (an `api_key`, a `hashed_password` in the user it returns).

    ## Why is this bad?
    Whatever the response model holds is sent to every client that may call the route, and
    stays in logs, caches and browser storage. A password hash in a user profile is an offline
    cracking target; a token or an API key is a working credential. A response model that
    inherits from the model the database uses picks such fields up silently.

    ## Example
    ```python
    from fastapi import FastAPI
    from pydantic import BaseModel

    app = FastAPI()


    class UserOut(BaseModel):
        id: int
        email: str
        hashed_password: str


    @app.get("/users/me", response_model=UserOut)
    def read_me():
        return UserOut(id=1, email="ada@example.com", hashed_password="...")
    ```

    Use instead:
    ```python
    from fastapi import FastAPI
    from sqlmodel import Field, SQLModel

    app = FastAPI()


    class UserBase(SQLModel):
        email: str


    class User(UserBase, table=True):
        id: int | None = Field(default=None, primary_key=True)
        hashed_password: str


    class UserPublic(UserBase):
        id: int


    class UserCreate(UserBase):
        password: str


    @app.get("/users/me", response_model=UserPublic)
    def read_me():
        return User(id=1, email="ada@example.com", hashed_password="...")
    ```
    SQLModel's "multiple models" pattern: secrets live in the table model (`User`) and the
    request model (`UserCreate`), never in the public one (`UserPublic`). When a field must
    stay on a shared model, exclude it (`Field(exclude=True)`) or type it `SecretStr`.

    ## Options
    `secret-field-names` replaces the secret terms; `allowed-secret-fields` lists exact field
    names never reported on any route (add `api_key` for the route that shows a new key once,
    say). `auth-route-fields` replaces the fields auth routes may send, and `auth-route-words`
    the words that make a route an auth route (add `session` for a `create_session` endpoint,
    say; an empty list turns the exemption off). `non-secret-qualifiers` replaces the words that
    make a secret term mean something else when they come right before it, and
    `redaction-words` the stems of function names that redact (an empty list turns that
    exemption off).

    ## References
    - [SQLModel: Multiple Models with FastAPI](https://sqlmodel.tiangolo.com/tutorial/fastapi/multiple-models/)
    - [pydantic: Secret types](https://docs.pydantic.dev/latest/api/types/#pydantic.types.SecretStr)
    - [OWASP API Security: Excessive Data Exposure](https://owasp.org/API-Security/editions/2023/en/0xa3-broken-object-property-level-authorization/)
    """

    code = "FPL304"
    name = "secret-field-in-response-model"
    message = (
        "Response model {model} of {where} exposes secret {fields}; exclude it, type it "
        "`SecretStr`, or drop it from the response model"
    )
    fix_title = "Drop the field from the response model, exclude it, or type it `SecretStr`"
    added_in = "0.1.0"
    Options = Options

    def check(self, declared: Declared, ctx: ModuleContext) -> Iterator[Finding]:
        if declared.opaque:  # `response_model_exclude=SOME_SET`: what is sent is unknown
            return
        options: Options = self.options
        auth = is_auth_route(declared.path, declared.endpoint, options.auth_route_words)
        exposed: list[tuple[Reached, list[str]]] = []
        for found in reached(ctx, declared):
            if found.kind is None or found.kind == ORM:
                continue
            secrets = [
                field.name
                for field in fields(ctx.index, found.dotted)
                if field.name in found.sent and self._secret(field, ctx, auth)
            ]
            if secrets:
                exposed.append((found, secrets))
        if not exposed:
            return
        if declared.handler is not None and handler_redacts(
            ctx, declared.handler, options.redaction_words
        ):
            return
        (first, secrets), others = exposed[0], exposed[1:]
        noun = "field" if len(secrets) == 1 else "fields"
        listed = ", ".join(f"`{name}`" for name in secrets)
        yield self.report(
            declared.node,
            ctx,
            model=describe(first),
            where=declared.where,
            fields=f"{noun} {listed}{_more(others)}",
        )

    def _secret(self, field: Field, ctx: ModuleContext, auth_route: bool) -> bool:
        options: Options = self.options
        if field.name in options.allowed_secret_fields:
            return False
        if auth_route and names_field(field.name, options.auth_route_fields):
            return False
        if not is_secret_name(
            field.name, options.secret_field_names, options.non_secret_qualifiers
        ):
            return False
        texpr = field.type_expr or ""
        return not (texpr.startswith("T:") and ctx.index.canonical(texpr[2:]) in SECRET_TYPES)


def _more(others: list[tuple[Reached, list[str]]]) -> str:
    """One finding per declared type: the other models it reaches with secrets, named."""
    if not others:
        return ""
    named = [f"`{short(found.dotted)}.{secrets[0]}`" for found, secrets in others]
    shown = ", ".join(named[:MORE_SHOWN])
    rest = len(named) - MORE_SHOWN
    return f" (and {shown}{f' and {rest} more models' if rest > 0 else ''})"
