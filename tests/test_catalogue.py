"""The blocking-call catalogue, specified: what ruff and flake8-async know, issue 3's families,
aliases, the classes calls return, and well-formed alternatives."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from fastapi_prod_lint.core.blocking import BlockingAnalysis
from fastapi_prod_lint.core.blocking_catalogue import (
    ALIASES,
    ASYNC_SESSION_CLASSES,
    CHEAP_FILESYSTEM,
    EVERY,
    FUNCTIONS,
    METHODS,
    RETURNS,
    SESSION_CLASSES,
    Blocking,
    blocking_function,
    blocking_method,
    returned_class,
)
from fastapi_prod_lint.core.blocking_catalogue import (
    canonical as catalogue_name,
)
from fastapi_prod_lint.core.project import ProjectIndex


def words(text: str) -> list[str]:
    return text.split()


HTTP_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")
SPAWN = ("spawnl", "spawnle", "spawnlp", "spawnlpe", "spawnv", "spawnve", "spawnvp", "spawnvpe")
SUBPROCESS_RUNS = ("run", "call", "check_call", "check_output", "getoutput", "getstatusoutput")
RUFF_PATH_METHODS = words(
    "absolute chmod cwd exists expanduser glob group hardlink_to home is_block_device"
    " is_char_device is_dir is_fifo is_file is_junction is_mount is_socket is_symlink iterdir"
    " lchmod link_to lstat mkdir owner read_bytes read_text readlink rename replace resolve rglob"
    " rmdir samefile stat symlink_to touch unlink walk write_bytes write_text"
)
URLLIB3_POOLS = (
    "urllib3.HTTPConnectionPool",
    "urllib3.HTTPSConnectionPool",
    "urllib3.PoolManager",
    "urllib3.ProxyManager",
    "urllib3.connectionpool.ConnectionPool",
    "urllib3.connectionpool.HTTPConnectionPool",
    "urllib3.connectionpool.HTTPSConnectionPool",
    "urllib3.poolmanager.PoolManager",
    "urllib3.poolmanager.ProxyManager",
    "urllib3.request.RequestMethods",
)

PEER_FUNCTIONS: dict[str, tuple[str, ...]] = {
    # ruff ASYNC210 (blocking_http_call.rs)
    "ruff ASYNC210": (
        "urllib.request.urlopen",
        "urllib3.request",
        *(
            f"{package}.{verb}"
            for package in ("httpx", "requests")
            for verb in ("get", "post", "delete", "patch", "put", "head", "connect", "options")
        ),
        "httpx.trace",
        "requests.trace",
    ),
    # flake8-async ASYNC210 (visitor2xx.py Visitor21X)
    "flake8-async ASYNC210": (
        *(f"{package}.{verb}" for package in ("httpx", "requests") for verb in HTTP_VERBS),
        "urllib3.request",
        "urllib.request.urlopen",
    ),
    # ruff and flake8-async ASYNC220: creating a subprocess
    "ASYNC220": ("subprocess.Popen", "os.popen", *(f"os.{name}" for name in SPAWN)),
    # ruff and flake8-async ASYNC221: running a process to completion
    "ASYNC221": (
        "os.system",
        "os.posix_spawn",
        "os.posix_spawnp",
        *(f"subprocess.{name}" for name in SUBPROCESS_RUNS),
    ),
    # ruff and flake8-async ASYNC222: waiting for a process
    "ASYNC222": ("os.wait", "os.wait3", "os.wait4", "os.waitid", "os.waitpid"),
    # ruff and flake8-async ASYNC230: opening a file
    "ASYNC230": ("builtins.open", "io.open", "io.open_code"),
    # flake8-async ASYNC231: wrapping a file descriptor
    "flake8-async ASYNC231": ("os.fdopen",),
    # ruff ASYNC240 (blocking_path_methods.rs): the os.path functions its list names
    "ruff ASYNC240": (
        "os.path.abspath",
        "os.path.exists",
        "os.path.expanduser",
        "os.path.samefile",
        "os.path.isjunction",
    ),
    # flake8-async ASYNC240 (Visitor24X.os_funcs), less the string-only ones below
    "flake8-async ASYNC240": tuple(
        f"os.path.{name}"
        for name in words(
            "islink lexists ismount realpath exists isdir isfile getatime getctime getmtime"
            " getsize samefile sameopenfile relpath"
        )
    ),
    # ruff and flake8-async ASYNC250, ASYNC251
    "ASYNC250": ("builtins.input",),
    "ASYNC251": ("time.sleep",),
}

# The peers also name these; they compute a path (at most one cheap syscall: `getcwd`, a
# `readlink` per symlink) and reviewers dismiss them as blocking calls (issue 12).
DELIBERATELY_NOT_BLOCKING = (
    *("os.path.normpath", "os.path._path_normpath", "os.path._joinrealpath"),
    *("os.path.abspath", "os.path.relpath", "os.path.realpath", "os.path.expanduser"),
)
PATH_METHODS_NOT_BLOCKING = ("absolute", "resolve", "expanduser", "cwd", "home")

PEER_METHODS: dict[str, tuple[tuple[str, str], ...]] = {
    # ruff ASYNC212 (blocking_http_call_httpx.rs), flake8-async ASYNC212 on httpx.Client
    "ASYNC212 httpx": tuple(
        ("httpx.Client", method)
        for method in words("close delete get head options patch post put request send stream")
    ),
    # flake8-async ASYNC212 flags every method of urllib3's pools; ASYNC211 their `request`
    "flake8-async ASYNC211/212 urllib3": tuple(
        (pool, method)
        for pool in URLLIB3_POOLS
        for method in ("request", "urlopen", "request_encode_url", "request_encode_body")
    ),
    # ruff ASYNC230 `Path.open()`, and its preview reads and writes
    "ruff ASYNC230 pathlib": tuple(
        ("pathlib.Path", method)
        for method in ("open", "read_text", "read_bytes", "write_text", "write_bytes", "touch")
    ),
    # ruff ASYNC240: pathlib.Path I/O methods
    "ruff ASYNC240 pathlib": tuple(("pathlib.Path", method) for method in RUFF_PATH_METHODS),
    # flake8-async ASYNC232: methods of file objects
    "flake8-async ASYNC232": tuple(
        (file_type, method)
        for file_type in (
            "io.TextIOWrapper",
            "io.BufferedReader",
            "io.BufferedWriter",
            "io.BufferedRandom",
        )
        for method in ("read", "readline", "readlines", "write", "writelines", "flush", "seek")
    ),
}


@pytest.mark.parametrize(
    ("rule", "name"), [(rule, name) for rule, names in PEER_FUNCTIONS.items() for name in names]
)
def test_every_function_the_peers_flag_is_blocking(rule: str, name: str) -> None:
    """What the peers flag blocks here too: by default, or under `strict-filesystem` for the
    cheap `stat`-like checks; path arithmetic alone is left out on purpose."""
    if name in DELIBERATELY_NOT_BLOCKING:
        assert blocking_function(name, strict=True) is None, f"{rule}: {name}"
        return
    assert blocking_function(name, strict=True) is not None, f"{rule}: {name}"
    if name not in CHEAP_FILESYSTEM:
        assert blocking_function(name) is not None, f"{rule}: {name}"


@pytest.mark.parametrize(
    ("rule", "class_name", "method"),
    [(rule, cls, method) for rule, pairs in PEER_METHODS.items() for cls, method in pairs],
)
def test_every_method_the_peers_flag_is_blocking(rule: str, class_name: str, method: str) -> None:
    if class_name == "pathlib.Path" and method in PATH_METHODS_NOT_BLOCKING:
        assert blocking_method(class_name, method, strict=True) is None, method
        return
    assert blocking_method(class_name, method, strict=True) is not None, f"{rule}: {method}"
    if f"{class_name}.{method}" not in CHEAP_FILESYSTEM:
        assert blocking_method(class_name, method) is not None, f"{rule}: {class_name}.{method}"


@pytest.mark.parametrize("name", sorted(CHEAP_FILESYSTEM))
def test_cheap_filesystem_calls_block_only_when_strict(name: str) -> None:
    owner, _, method = name.rpartition(".")
    if owner in METHODS:
        assert blocking_method(owner, method) is None
        assert blocking_method(owner, method, strict=True) is not None
    else:
        assert blocking_function(name) is None
        assert blocking_function(name, strict=True) is not None


@pytest.mark.parametrize("name", ["os.makedirs", "os.mkdir", "pathlib.Path.mkdir"])
def test_directory_creation_is_cheap_only_with_exist_ok(name: str) -> None:
    owner, _, method = name.rpartition(".")
    if owner in METHODS:
        assert blocking_method(owner, method, exist_ok=True) is None
        assert blocking_method(owner, method) is not None
        assert blocking_method(owner, method, strict=True, exist_ok=True) is not None
    else:
        assert blocking_function(name, exist_ok=True) is None
        assert blocking_function(name) is not None
        assert blocking_function(name, strict=True, exist_ok=True) is not None


@pytest.mark.parametrize("name", DELIBERATELY_NOT_BLOCKING)
def test_string_only_os_path_functions_are_not_blocking(name: str) -> None:
    assert blocking_function(name) is None


ISSUE_FUNCTIONS: dict[str, tuple[str, ...]] = {
    "sleep": ("time.sleep",),
    "http": ("requests.get", "httpx.stream", "httpx2.get", "urllib.request.urlopen"),
    "socket": (
        "socket.create_connection",
        "socket.getaddrinfo",
        "socket.gethostbyname",
        "smtplib.SMTP",
        "smtplib.SMTP_SSL",
        "ftplib.FTP",
    ),
    "subprocess": ("subprocess.run", "os.system", "os.popen"),
    "file": (
        *(
            f"os.{name}"
            for name in words(
                "remove unlink rename replace listdir scandir walk mkdir makedirs rmdir"
            )
        ),
        "shutil.copy",
        "shutil.copyfile",
        "shutil.copytree",
        "shutil.move",
        "shutil.rmtree",
        "glob.glob",
        "tempfile.NamedTemporaryFile",
        "tempfile.TemporaryFile",
        "json.load",
        "pickle.load",
    ),
    "database": (
        "sqlite3.connect",
        "psycopg2.connect",
        "psycopg.connect",
        "pymysql.connect",
        "MySQLdb.connect",
    ),
    "cloud": ("boto3.client",),
    "cpu": (
        "bcrypt.hashpw",
        "bcrypt.checkpw",
        "hashlib.pbkdf2_hmac",
        "hashlib.scrypt",
        "passlib.hash.bcrypt.hash",
    ),
    "thread": ("concurrent.futures.wait",),
}

ISSUE_METHODS: dict[str, tuple[tuple[str, str], ...]] = {
    "http": (
        ("requests.Session", "get"),
        ("requests.Session", "post"),
        ("httpx.Client", "post"),
        ("httpx2.Client", "get"),
        ("urllib3.PoolManager", "request"),
    ),
    "socket": (
        *(("socket.socket", name) for name in ("connect", "recv", "send", "sendall", "accept")),
        ("smtplib.SMTP", "sendmail"),
        ("smtplib.SMTP", "send_message"),
        ("smtplib.SMTP", "login"),
        ("ftplib.FTP", "login"),
        ("ftplib.FTP", "retrbinary"),
        ("ftplib.FTP", "nlst"),
    ),
    "file": (
        ("io.TextIOWrapper", "read"),
        ("io.TextIOWrapper", "write"),
        ("pathlib.Path", "read_text"),
        ("pathlib.Path", "iterdir"),
        ("pathlib.Path", "mkdir"),
    ),
    "database": (
        ("sqlite3.Connection", "execute"),
        ("sqlite3.Connection", "commit"),
        ("sqlite3.Cursor", "execute"),
        ("sqlite3.Cursor", "fetchall"),
        ("psycopg2.extensions.connection", "commit"),
        ("psycopg2.extensions.cursor", "execute"),
        ("psycopg.Connection", "execute"),
        ("pymysql.connections.Connection", "commit"),
        ("redis.Redis", "get"),
        ("redis.Redis", "set"),
        ("redis.Redis", "hgetall"),
        ("pymongo.collection.Collection", "find_one"),
        ("pymongo.collection.Collection", "insert_one"),
        ("pymongo.MongoClient", "list_database_names"),
        *(
            ("sqlalchemy.orm.Session", name)
            for name in words(
                "execute scalars scalar get commit flush refresh merge connection begin"
            )
        ),
        ("sqlmodel.Session", "exec"),
        ("sqlalchemy.orm.Query", "all"),
        ("sqlalchemy.orm.Query", "first"),
        ("sqlalchemy.orm.Query", "one_or_none"),
        ("sqlalchemy.orm.Query", "count"),
        ("sqlalchemy.engine.Engine", "connect"),
        ("sqlalchemy.engine.Engine", "begin"),
        ("sqlalchemy.engine.Connection", "execute"),
    ),
    "cloud": (("botocore.client.BaseClient", "upload_fileobj"),),
    "lock": (
        ("threading.Lock", "acquire"),
        ("threading.RLock", "acquire"),
        ("threading.Event", "wait"),
        ("threading.Condition", "wait"),
        ("threading.Semaphore", "acquire"),
    ),
    "queue": (("queue.Queue", "get"), ("queue.Queue", "put"), ("queue.Queue", "join")),
    "thread": (
        ("concurrent.futures.Future", "result"),
        ("concurrent.futures.Future", "exception"),
        ("threading.Thread", "join"),
    ),
    "cpu": (
        ("passlib.context.CryptContext", "hash"),
        ("passlib.context.CryptContext", "verify"),
        ("passlib.context.CryptContext", "verify_and_update"),
        ("argon2.PasswordHasher", "hash"),
        ("argon2.PasswordHasher", "verify"),
        ("pwdlib.PasswordHash", "hash"),
    ),
}


@pytest.mark.parametrize(
    ("kind", "name"), [(kind, name) for kind, names in ISSUE_FUNCTIONS.items() for name in names]
)
def test_issue_3_function_families_are_catalogued(kind: str, name: str) -> None:
    found = blocking_function(name)
    assert found is not None, name
    assert found.kind == kind


@pytest.mark.parametrize(
    ("kind", "class_name", "method"),
    [(kind, cls, method) for kind, pairs in ISSUE_METHODS.items() for cls, method in pairs],
)
def test_issue_3_method_families_are_catalogued(kind: str, class_name: str, method: str) -> None:
    found = blocking_method(class_name, method)
    assert found is not None, f"{class_name}.{method}"
    assert found.kind == kind


@pytest.mark.parametrize(
    ("class_name", "method"),
    [
        ("sqlalchemy.orm.Session", "add"),
        ("sqlalchemy.orm.Session", "add_all"),
        ("sqlalchemy.orm.Session", "delete"),
        ("sqlalchemy.orm.Session", "expunge"),
        ("sqlalchemy.orm.Session", "close"),
        ("sqlalchemy.orm.Session", "query"),  # builds a Query; its terminal methods block
        ("sqlmodel.Session", "add"),
        ("sqlalchemy.orm.Query", "filter"),
        ("sqlalchemy.ext.asyncio.AsyncSession", "execute"),  # awaited
        ("sqlmodel.ext.asyncio.session.AsyncSession", "exec"),
        ("sqlalchemy.ext.asyncio.AsyncEngine", "connect"),
        ("redis.Redis", "pipeline"),  # buffers commands; `Pipeline.execute` blocks
        ("redis.Redis", "_execute_command"),  # private: not a command method
        ("botocore.client.BaseClient", "generate_presigned_url"),  # signs locally
        ("pymongo.MongoClient", "get_database"),
        ("queue.Queue", "put_nowait"),
        ("threading.Lock", "release"),
        ("pathlib.Path", "with_suffix"),
        ("pathlib.Path", "absolute"),  # path arithmetic (issue 12)
        ("pathlib.Path", "resolve"),
        ("pathlib.Path", "exists"),  # one cheap `stat`: only under strict-filesystem
        ("io.TextIOWrapper", "close"),  # a read handle does no I/O; a written one was flagged
        ("pathlib.PurePath", "exists"),  # PurePath does no I/O and is no alias of Path
        ("requests.Session", "__enter__"),
        ("unknown.Class", "get"),
    ],
)
def test_methods_that_do_no_io_are_not_blocking(class_name: str, method: str) -> None:
    assert blocking_method(class_name, method) is None


@pytest.mark.parametrize(
    "name",
    [
        "sqlalchemy.create_engine",  # connects lazily
        "sqlalchemy.orm.sessionmaker",
        "redis.Redis",
        "redis.from_url",
        "pymongo.MongoClient",  # connects in background threads
        "requests.Session",
        "httpx.Client",
        "pathlib.Path",
        "os.path.join",
        "asyncio.sleep",
        "json.loads",
        "hashlib.sha256",
    ],
)
def test_constructors_and_pure_functions_are_not_blocking(name: str) -> None:
    assert blocking_function(name) is None


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("requests.api.get", "requests.get"),
        ("io.open", "builtins.open"),
        ("pymysql.Connect", "pymysql.connections.Connection"),
        ("MySQLdb.Connect", "MySQLdb.connect"),
    ],
)
def test_function_aliases_block_like_their_canonical_name(alias: str, name: str) -> None:
    assert blocking_function(alias) is not None
    assert blocking_function(alias) == blocking_function(name)


@pytest.mark.parametrize(
    ("alias", "canonical", "method"),
    [
        ("requests.sessions.Session", "requests.Session", "get"),
        ("sqlalchemy.orm.session.Session", "sqlalchemy.orm.Session", "execute"),
        ("sqlmodel.orm.session.Session", "sqlmodel.Session", "exec"),
        ("sqlalchemy.Engine", "sqlalchemy.engine.Engine", "connect"),
        ("sqlalchemy.future.Engine", "sqlalchemy.engine.Engine", "connect"),
        ("sqlalchemy.Connection", "sqlalchemy.engine.Connection", "execute"),
        ("sqlalchemy.orm.query.Query", "sqlalchemy.orm.Query", "all"),
        ("redis.StrictRedis", "redis.Redis", "get"),
        ("pymongo.synchronous.collection.Collection", "pymongo.collection.Collection", "find"),
        ("pathlib.PosixPath", "pathlib.Path", "read_text"),
        ("urllib3.poolmanager.PoolManager", "urllib3.PoolManager", "request"),
        ("boto3.Session", "boto3.session.Session", "client"),
    ],
)
def test_class_aliases_resolve(alias: str, canonical: str, method: str) -> None:
    assert catalogue_name(alias) == canonical
    assert blocking_method(alias, method) is not None
    assert blocking_method(alias, method) == blocking_method(canonical, method)


def test_unknown_classes_pass_through_catalogue_name() -> None:
    assert catalogue_name("app.models.User") == "app.models.User"


@pytest.mark.parametrize(
    ("callable_name", "product"),
    [
        ("requests.Session", "requests.Session"),
        ("requests.session", "requests.Session"),
        ("httpx.Client", "httpx.Client"),
        ("threading.Lock", "threading.Lock"),
        ("urllib3.PoolManager", "urllib3.PoolManager"),
        ("pymongo.MongoClient", "pymongo.MongoClient"),
        ("builtins.open", "io.TextIOWrapper"),
        ("io.open", "io.TextIOWrapper"),
        ("pathlib.Path.open", "io.TextIOWrapper"),
        ("pathlib.PosixPath.open", "io.TextIOWrapper"),
        ("tempfile.NamedTemporaryFile", "io.BufferedRandom"),
        ("sqlite3.connect", "sqlite3.Connection"),
        ("sqlite3.Connection.cursor", "sqlite3.Cursor"),
        ("psycopg2.connect", "psycopg2.extensions.connection"),
        ("boto3.client", "botocore.client.BaseClient"),
        ("redis.from_url", "redis.Redis"),
        ("redis.Redis.from_url", "redis.Redis"),
        ("redis.StrictRedis.from_url", "redis.Redis"),
        ("sqlalchemy.create_engine", "sqlalchemy.engine.Engine"),
        ("sqlmodel.create_engine", "sqlalchemy.engine.Engine"),
        ("sqlalchemy.engine.Engine.connect", "sqlalchemy.engine.Connection"),
        ("sqlalchemy.orm.Session.query", "sqlalchemy.orm.Query"),
        ("sqlalchemy.orm.session.Session.query", "sqlalchemy.orm.Query"),
        *(
            (f"sqlalchemy.orm.Query.{method}", "sqlalchemy.orm.Query")
            for method in ("filter", "filter_by", "order_by", "join", "options", "limit")
        ),
        ("sqlalchemy.orm.Query.offset", "sqlalchemy.orm.Query"),
        ("sqlalchemy.orm.Query.where", "sqlalchemy.orm.Query"),
        ("socket.create_connection", "socket.socket"),
        ("sqlalchemy.orm.sessionmaker", "sqlalchemy.orm.sessionmaker"),
        ("sqlalchemy.orm.sessionmaker.__call__", "sqlalchemy.orm.Session"),
        ("sqlalchemy.ext.asyncio.async_sessionmaker", "sqlalchemy.ext.asyncio.async_sessionmaker"),
        (
            "sqlalchemy.ext.asyncio.async_sessionmaker.__call__",
            "sqlalchemy.ext.asyncio.AsyncSession",
        ),
        ("sqlalchemy.ext.asyncio.create_async_engine", "sqlalchemy.ext.asyncio.AsyncEngine"),
        ("asyncio.run_coroutine_threadsafe", "concurrent.futures.Future"),
    ],
)
def test_returned_class(callable_name: str, product: str) -> None:
    assert returned_class(callable_name) == product


def test_a_file_from_open_blocks_when_read() -> None:
    file_class = returned_class("builtins.open")
    assert file_class is not None
    assert blocking_method(file_class, "read") is not None


def test_a_sessionmaker_session_blocks_on_execute_but_not_on_add() -> None:
    factory = returned_class("sqlalchemy.orm.sessionmaker")
    session = returned_class(f"{factory}.__call__")
    assert session in SESSION_CLASSES
    assert blocking_method(session or "", "execute") is not None
    assert blocking_method(session or "", "add") is None


def test_a_query_chain_blocks_at_its_terminal_method() -> None:
    query = returned_class("sqlalchemy.orm.Session.query")
    chained = returned_class(f"{query}.filter")
    assert chained == query
    assert blocking_method(chained or "", "filter") is None
    assert blocking_method(chained or "", "all") is not None


def test_an_async_sessionmaker_session_never_blocks() -> None:
    factory = returned_class("sqlalchemy.ext.asyncio.async_sessionmaker")
    session = returned_class(f"{factory}.__call__")
    assert session in ASYNC_SESSION_CLASSES
    assert blocking_method(session or "", "execute") is None


def test_session_classes_are_catalogued_and_async_ones_are_not() -> None:
    assert SESSION_CLASSES.issubset(METHODS)
    assert not ASYNC_SESSION_CLASSES & set(METHODS)
    assert SESSION_CLASSES.issuperset({"sqlalchemy.orm.Session", "sqlmodel.Session"})
    for cls in ASYNC_SESSION_CLASSES:
        assert returned_class(cls) == cls


ALL_BLOCKINGS = sorted(
    {*FUNCTIONS.values(), *(table.blocking for table in METHODS.values())},
    key=lambda blocking: (blocking.kind, blocking.alternative),
)


@pytest.mark.parametrize("blocking", ALL_BLOCKINGS, ids=lambda blocking: blocking.alternative)
def test_every_alternative_is_markdown_with_code_in_balanced_backticks(blocking: Blocking) -> None:
    kind, alternative = blocking
    assert re.fullmatch(r"[a-z]+", kind)
    assert alternative.strip() == alternative
    assert alternative.count("`") >= 2
    assert alternative.count("`") % 2 == 0
    assert not alternative.endswith(".")


def test_method_tables_name_methods_not_dotted_paths() -> None:
    for cls, table in METHODS.items():
        assert table.names, cls
        assert all("." not in name for name in table.names | table.exempt), cls
        assert not table.exempt or EVERY in table.names, f"{cls}: exemptions without `*`"


def test_tables_use_canonical_names_only() -> None:
    for name in FUNCTIONS:
        assert name not in ALIASES, name
    for cls in METHODS:
        assert cls not in ALIASES, cls
    for name, product in RETURNS.items():
        assert name not in ALIASES, name
        assert product not in ALIASES, product
        owner = name.rpartition(".")[0]
        assert owner not in ALIASES, name
    for cls in SESSION_CLASSES | ASYNC_SESSION_CLASSES:
        assert cls not in ALIASES, cls


def test_aliases_point_at_canonical_names() -> None:
    for alias, name in ALIASES.items():
        assert alias != name
        assert name not in ALIASES, f"{alias} -> {name} is itself an alias"


def test_every_returned_class_is_one_the_catalogue_knows() -> None:
    known = set(METHODS) | ASYNC_SESSION_CLASSES | set(RETURNS)
    for name, product in RETURNS.items():
        assert product in known, f"{name} -> {product}"


def blocker(name: str, extra: tuple[str, ...] = (), allowed: tuple[str, ...] = ()) -> Any:
    """What the rules' analysis makes of a call of `name` (outside any project)."""
    analysis = BlockingAnalysis(ProjectIndex(Path("."), []), extra, allowed)
    return analysis.function(name).blocker


def test_extra_and_allowed_calls_adjust_the_catalogue() -> None:
    sleep = blocker("time.sleep")
    assert sleep is not None and "asyncio.sleep" in sleep.alternative
    assert blocker("time.sleep", allowed=("time.sleep",)) is None
    assert blocker("mylib.fetch_sync") is None
    assert blocker("mylib.fetch_sync", extra=("mylib.fetch_sync",)) is not None
    assert blocker("io.open").alternative == blocker("builtins.open").alternative
