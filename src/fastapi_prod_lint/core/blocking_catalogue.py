"""The blocking-call catalogue: calls that block the event loop, and what to use instead."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple


class Blocking(NamedTuple):
    """Why a call blocks (`kind`, a family name) and what a message suggests instead."""

    kind: str
    alternative: str


class MethodTable(NamedTuple):
    """The blocking methods of one class: `names`, which may hold `EVERY`, less `exempt`."""

    blocking: Blocking
    names: frozenset[str]
    exempt: frozenset[str]


EVERY = "*"
"""In a method list: every public method (no leading underscore) not exempted with `!name`."""

# fmt: off
_TO_THREAD = "`await asyncio.to_thread(...)`"
SLEEP = Blocking("sleep", "`await asyncio.sleep()`")
INPUT = Blocking("input", "`await asyncio.to_thread(input, ...)`")
HTTP = Blocking("http", "an async client such as `httpx.AsyncClient` (or `aiohttp`)")
SOCKET = Blocking("socket", f"`asyncio.open_connection()` / `loop.getaddrinfo()`, or {_TO_THREAD}")
MAIL = Blocking("socket", f"`aiosmtplib`, or {_TO_THREAD}")
FTP = Blocking("socket", f"`aioftp`, or {_TO_THREAD}")
SUBPROCESS = Blocking("subprocess", "`asyncio.create_subprocess_exec()`")
PROCESS_WAIT = Blocking("subprocess", "`await process.wait()` on an `asyncio` subprocess")
FILE = Blocking("file", f"`anyio.open_file()` / `aiofiles`, or {_TO_THREAD}")
PATH = Blocking("file", f"`anyio.Path`, or {_TO_THREAD}")
SQL = Blocking("database", "an async driver (`asyncpg`, `aiosqlite`, `aiomysql`), or a `def` route")
ORM = Blocking("database", "an `AsyncSession` on an async driver, or a sync `def` route")
REDIS = Blocking("database", "`redis.asyncio.Redis`")
MONGO = Blocking("database", "`pymongo.AsyncMongoClient` (or `motor`)")
AWS = Blocking("cloud", f"`aioboto3` / `aiobotocore`, or {_TO_THREAD}")
CPU = Blocking("cpu", "`await run_in_threadpool(...)` (or `await asyncio.to_thread(...)`)")
LOCK = Blocking("lock", "`asyncio.Lock` (`async with lock:`)")
SEMAPHORE = Blocking("lock", "`asyncio.Semaphore`")
EVENT = Blocking("lock", "`asyncio.Event` (`await event.wait()`)")
CONDITION = Blocking("lock", "`asyncio.Condition`")
BARRIER = Blocking("lock", "`asyncio.Barrier`")
QUEUE = Blocking("queue", "`asyncio.Queue` (`await queue.get()`)")
FUTURE = Blocking("thread", "`await asyncio.wrap_future(future)`")
JOIN = Blocking("thread", "`await asyncio.to_thread(worker.join)`")
EXECUTOR = Blocking("thread", "`await asyncio.wrap_future(future)` or `asyncio.wait()`")

_VERBS = "get post put patch delete head options request"
_FILE_CLASSES = "io.TextIOWrapper io.BufferedReader io.BufferedWriter io.BufferedRandom io.FileIO"
_FILE_IO = "read read1 readall readinto readinto1 readline readlines write writelines flush seek"
_FILE_IO += " truncate close"
# ruff ASYNC240's pathlib list, ASYNC230's `open` and preview reads/writes, and 3.14's copy/move.
# Less what does no I/O (`absolute`, `expanduser`, `cwd`, `home`; `resolve` is `realpath`): path
# arithmetic, at most one cheap syscall. The `stat`-like checks below block only under
# `strict-filesystem` (see `CHEAP_FILESYSTEM`).
_PATH_IO = (
    "open read_text read_bytes write_text write_bytes touch exists stat lstat owner group chmod"
    " lchmod is_dir is_file is_mount is_symlink is_junction is_block_device is_char_device"
    " is_fifo is_socket iterdir glob rglob walk mkdir rmdir unlink rename replace readlink"
    " symlink_to hardlink_to link_to samefile copy copy_into move move_into"
)
# Issue 3: I/O on a sync session. `add`, `add_all`, `delete`, `expunge`, `close` do none.
_SESSION_IO = "execute scalars scalar get get_one commit flush refresh merge connection begin"
_SESSION_IO += " begin_nested rollback"


def _prefixed(owner: str, names: str) -> str:
    return " ".join(f"{owner}.{name}" for name in names.split())


_FUNCTION_ROWS: tuple[tuple[Blocking, str, str], ...] = (
    # (how it blocks, module, functions and constructors)
    (SLEEP, "time", "sleep"),                                       # ASYNC251
    (INPUT, "builtins", "input"),                                   # ASYNC250
    (HTTP, "requests", f"{_VERBS} connect trace"),                  # ASYNC210
    (HTTP, "httpx", f"{_VERBS} connect trace stream"),              # ASYNC210
    (HTTP, "httpx2", f"{_VERBS} stream"),
    (HTTP, "urllib.request", "urlopen urlretrieve"),                # ASYNC210
    (HTTP, "urllib3", "request"),                                   # ASYNC210
    (SOCKET, "socket", "create_connection getaddrinfo gethostbyname gethostbyname_ex"),
    (SOCKET, "socket", "gethostbyaddr getnameinfo getfqdn"),
    (SOCKET, "ssl", "get_server_certificate"),
    (MAIL, "smtplib", "SMTP SMTP_SSL LMTP"),                        # they connect, given a host
    (FTP, "ftplib", "FTP FTP_TLS"),
    (SUBPROCESS, "subprocess", "run call check_call check_output getoutput getstatusoutput Popen"),
    (SUBPROCESS, "os", "system popen posix_spawn posix_spawnp"),    # ASYNC220, ASYNC221
    (SUBPROCESS, "os", "spawnl spawnle spawnlp spawnlpe spawnv spawnve spawnvp spawnvpe"),
    (PROCESS_WAIT, "os", "wait wait3 wait4 waitid waitpid"),        # ASYNC222
    (FILE, "builtins", "open"),                                     # ASYNC230
    (FILE, "io", "open_code"),                                      # ASYNC230
    (FILE, "os", "fdopen open read write fsync fdatasync sendfile truncate"),  # ASYNC231: fdopen
    (FILE, "os", "remove unlink rename renames replace listdir scandir walk fwalk stat lstat"),
    (FILE, "os", "mkdir makedirs rmdir removedirs link symlink readlink access chmod chown"),
    (FILE, "os", "lchown utime statvfs"),
    # ASYNC240 (ruff and flake8-async) less path arithmetic that does no I/O: `normpath`,
    # `abspath`, `relpath`, `expanduser`, `realpath` (issue 12: reviewers dismiss them).
    (PATH, "os.path", "exists lexists isfile isdir islink ismount isjunction getsize getmtime"),
    (PATH, "os.path", "getatime getctime samefile sameopenfile"),
    (FILE, "shutil", "copy copy2 copyfile copyfileobj copytree copymode copystat move rmtree"),
    (FILE, "shutil", "chown make_archive unpack_archive disk_usage"),
    (FILE, "glob", "glob iglob"),
    (FILE, "tempfile", "TemporaryFile NamedTemporaryFile TemporaryDirectory mkstemp mkdtemp"),
    (FILE, "json", "load dump"), (FILE, "pickle", "load dump"), (FILE, "marshal", "load dump"),
    (FILE, "tomllib", "load"), (FILE, "codecs", "open"), (FILE, "shelve", "open"),
    (FILE, "dbm", "open"), (FILE, "zipfile", "ZipFile"), (FILE, "tarfile", "open"),
    (FILE, "gzip", "open"), (FILE, "bz2", "open"), (FILE, "lzma", "open"),
    (SQL, "sqlite3", "connect"), (SQL, "psycopg2", "connect"), (SQL, "psycopg", "connect"),
    (SQL, "psycopg.Connection", "connect"), (SQL, "mysql.connector", "connect"),
    (SQL, "psycopg2.pool", "SimpleConnectionPool ThreadedConnectionPool"),
    (SQL, "pymysql.connections", "Connection"),                     # pymysql.connect is the class
    (SQL, "MySQLdb", "connect"), (SQL, "MySQLdb.connections", "Connection"),
    (AWS, "boto3", "client resource"),                              # read service models from disk
    (CPU, "bcrypt", "hashpw checkpw kdf"),
    (CPU, "hashlib", "pbkdf2_hmac scrypt"),
    (CPU, "argon2.low_level", "hash_secret hash_secret_raw verify_secret"),
    *((CPU, f"passlib.hash.{scheme}", "hash verify encrypt") for scheme in (
        "bcrypt", "bcrypt_sha256", "argon2", "scrypt", "pbkdf2_sha1", "pbkdf2_sha256",
        "pbkdf2_sha512", "sha256_crypt", "sha512_crypt")),
    (EXECUTOR, "concurrent.futures", "wait as_completed"),
)

_METHOD_ROWS: tuple[tuple[Blocking, str, str], ...] = (
    # (how it blocks, classes, methods: `*` for every public one, `!name` exempts one)
    (HTTP, "requests.Session", f"{_VERBS} send"),
    (HTTP, "httpx.Client httpx2.Client", f"{_VERBS} send stream close"),            # ASYNC212
    (HTTP, "urllib3.PoolManager urllib3.ProxyManager urllib3.HTTPConnectionPool"    # ASYNC212
           " urllib3.HTTPSConnectionPool urllib3.connectionpool.ConnectionPool"
           " urllib3.request.RequestMethods",
           "* !clear !connection_from_host !connection_from_url !connection_from_pool_key"
           " !connection_from_context"),
    (HTTP, "http.client.HTTPConnection http.client.HTTPSConnection",
           "connect request getresponse send endheaders"),
    (HTTP, "http.client.HTTPResponse", "read read1 readinto readline readlines peek"),
    (HTTP, "urllib.request.OpenerDirector", "open"),
    (SOCKET, "socket.socket", "accept connect connect_ex recv recv_into recvfrom recvfrom_into"
             " recvmsg recvmsg_into send sendall sendto sendmsg sendfile"),
    (SOCKET, "ssl.SSLSocket", "accept connect connect_ex do_handshake read write recv recv_into"
             " recvfrom recvfrom_into send sendall sendto sendfile unwrap"),
    (MAIL, "smtplib.SMTP smtplib.SMTP_SSL smtplib.LMTP", "* !set_debuglevel !has_extn !close"),
    (FTP, "ftplib.FTP ftplib.FTP_TLS", "* !set_debuglevel !debug !set_pasv !getwelcome !close"),
    (SUBPROCESS, "subprocess.Popen", "wait communicate"),
    (FILE, _FILE_CLASSES, _FILE_IO),                                                 # ASYNC232
    (PATH, "pathlib.Path", _PATH_IO),                                                # ASYNC240
    (FILE, "zipfile.ZipFile", "read open extract extractall write writestr testzip close"),
    (FILE, "tarfile.TarFile", "extract extractall extractfile add addfile getmembers"),
    (SQL, "sqlite3.Connection", "execute executemany executescript commit rollback backup"),
    (SQL, "sqlite3.Cursor", "execute executemany executescript fetchone fetchmany fetchall"),
    (SQL, "psycopg2.extensions.connection", "commit rollback cancel reset poll tpc_commit"),
    (SQL, "psycopg2.extensions.cursor", "execute executemany callproc copy_from copy_to"),
    (SQL, "psycopg2.pool.SimpleConnectionPool psycopg2.pool.ThreadedConnectionPool", "getconn"),
    (SQL, "psycopg.Connection", "execute commit rollback cancel transaction tpc_commit"),
    (SQL, "psycopg.Cursor", "execute executemany copy stream"),
    (SQL, "psycopg.ServerCursor", "execute fetchone fetchmany fetchall scroll"),
    (SQL, "psycopg_pool.ConnectionPool", "connection getconn wait open check"),
    (SQL, "pymysql.connections.Connection MySQLdb.connections.Connection",
          "query commit rollback ping select_db autocommit begin show_warnings next_result"),
    (SQL, "pymysql.cursors.Cursor MySQLdb.cursors.Cursor", "execute executemany callproc"),
    (ORM, "sqlalchemy.orm.Session sqlalchemy.orm.scoped_session", _SESSION_IO),
    (ORM, "sqlmodel.Session", f"{_SESSION_IO} exec"),
    (ORM, "sqlalchemy.orm.Query", "all first one one_or_none scalar count get delete update value"),
    (ORM, "sqlalchemy.engine.Engine", "connect begin execute scalar raw_connection"),
    (ORM, "sqlalchemy.engine.Connection",
          "execute exec_driver_sql scalar scalars commit rollback begin begin_nested"),
    (REDIS, "redis.Redis", "* !pipeline !pubsub !lock !from_url !from_pool !client !register_script"
            " !get_encoder !get_connection_kwargs !set_response_callback !get_retry !set_retry"
            " !close"),
    (REDIS, "redis.client.Pipeline", "execute watch"),
    (REDIS, "redis.client.PubSub", "subscribe psubscribe unsubscribe punsubscribe get_message"),
    (REDIS, "redis.lock.Lock", "acquire release extend reacquire locked owned"),
    (MONGO, "pymongo.MongoClient", "* !get_database !get_default_database"),
    (MONGO, "pymongo.database.Database", "* !get_collection !with_options"),
    (MONGO, "pymongo.collection.Collection", "* !with_options"),
    (MONGO, "pymongo.cursor.Cursor", "next to_list explain distinct"),
    (AWS, "botocore.client.BaseClient", "* !get_paginator !get_waiter !can_paginate !close"
          " !generate_presigned_url !generate_presigned_post"),
    (AWS, "boto3.session.Session", "client resource get_credentials"),
    (LOCK, "threading.Lock threading.RLock", "acquire"),
    (SEMAPHORE, "threading.Semaphore threading.BoundedSemaphore", "acquire"),
    (EVENT, "threading.Event", "wait"),
    (CONDITION, "threading.Condition", "acquire wait wait_for"),
    (BARRIER, "threading.Barrier", "wait"),
    (JOIN, "threading.Thread multiprocessing.Process", "join"),
    (QUEUE, "queue.Queue queue.LifoQueue queue.PriorityQueue", "get put join"),
    (QUEUE, "queue.SimpleQueue", "get"), (QUEUE, "multiprocessing.queues.Queue", "get put"),
    (FUTURE, "concurrent.futures.Future", "result exception"),
    (EXECUTOR, "concurrent.futures.ThreadPoolExecutor concurrent.futures.ProcessPoolExecutor",
               "shutdown"),
    (EXECUTOR, "multiprocessing.pool.Pool multiprocessing.pool.ThreadPool", "apply map starmap"),
    (CPU, "passlib.context.CryptContext", "hash verify verify_and_update encrypt genhash"),
    (CPU, "argon2.PasswordHasher", "hash verify"),
    (CPU, "pwdlib.PasswordHash", "hash verify verify_and_update"),
    (CPU, "cryptography.hazmat.primitives.kdf.pbkdf2.PBKDF2HMAC"
          " cryptography.hazmat.primitives.kdf.scrypt.Scrypt", "derive verify"),
)

_RETURN_ROWS: tuple[tuple[str, str], ...] = (
    # (class, the callables that return one); a catalogued class's constructor returns itself.
    ("io.TextIOWrapper", "builtins.open codecs.open os.fdopen pathlib.Path.open"),
    ("io.BufferedReader", "io.open_code"),
    ("io.BufferedRandom", "tempfile.TemporaryFile tempfile.NamedTemporaryFile"),  # mode "w+b"
    ("tarfile.TarFile", "tarfile.open"), ("requests.Session", "requests.session"),
    ("http.client.HTTPResponse", "urllib.request.urlopen urllib.request.OpenerDirector.open"
                                 " http.client.HTTPConnection.getresponse"
                                 " http.client.HTTPSConnection.getresponse"),
    ("urllib.request.OpenerDirector", "urllib.request.build_opener"),
    ("urllib3.HTTPConnectionPool", "urllib3.connection_from_url"),
    ("urllib3.ProxyManager", "urllib3.proxy_from_url"),
    ("socket.socket", "socket.create_connection"), ("ssl.SSLSocket", "ssl.SSLContext.wrap_socket"),
    ("sqlite3.Connection", "sqlite3.connect"),
    ("sqlite3.Cursor", _prefixed("sqlite3.Connection", "cursor execute executemany executescript")),
    ("sqlite3.Cursor", _prefixed("sqlite3.Cursor", "execute executemany executescript")),
    ("psycopg2.extensions.connection", "psycopg2.connect psycopg2.pool.SimpleConnectionPool.getconn"
                                       " psycopg2.pool.ThreadedConnectionPool.getconn"),
    ("psycopg2.extensions.cursor", "psycopg2.extensions.connection.cursor"),
    ("psycopg.Connection", "psycopg.connect psycopg.Connection.connect"
                           " psycopg_pool.ConnectionPool.connection"
                           " psycopg_pool.ConnectionPool.getconn"),
    ("psycopg.Cursor", "psycopg.Connection.cursor psycopg.Connection.execute"),
    ("pymysql.cursors.Cursor", "pymysql.connections.Connection.cursor"),
    ("MySQLdb.connections.Connection", "MySQLdb.connect"),
    ("MySQLdb.cursors.Cursor", "MySQLdb.connections.Connection.cursor"),
    ("redis.Redis", "redis.from_url redis.Redis.from_url redis.Redis.from_pool"),
    ("redis.client.Pipeline", "redis.Redis.pipeline"),
    ("redis.client.PubSub", "redis.Redis.pubsub"), ("redis.lock.Lock", "redis.Redis.lock"),
    ("pymongo.database.Database", "pymongo.MongoClient.get_database"
                                  " pymongo.MongoClient.get_default_database"),
    ("pymongo.collection.Collection", "pymongo.database.Database.get_collection"),
    ("pymongo.cursor.Cursor", "pymongo.collection.Collection.find"),
    ("botocore.client.BaseClient", "boto3.client boto3.session.Session.client"),
    ("multiprocessing.pool.Pool", "multiprocessing.Pool"),
    ("multiprocessing.queues.Queue", "multiprocessing.Queue"),
    ("concurrent.futures.Future", "asyncio.run_coroutine_threadsafe"
                                  " concurrent.futures.Executor.submit"
                                  " concurrent.futures.ThreadPoolExecutor.submit"
                                  " concurrent.futures.ProcessPoolExecutor.submit"),
    ("pwdlib.PasswordHash", "pwdlib.PasswordHash.recommended"),
    ("pathlib.Path", _prefixed("pathlib.Path", "resolve absolute expanduser joinpath with_name"
                               " with_stem with_suffix relative_to readlink cwd home parent")),
    ("sqlalchemy.engine.Engine", "sqlalchemy.create_engine"),
    ("sqlalchemy.engine.Connection", "sqlalchemy.engine.Engine.connect"
                                     " sqlalchemy.engine.Engine.begin"
                                     " sqlalchemy.orm.Session.connection"
                                     " sqlalchemy.orm.scoped_session.connection"
                                     " sqlmodel.Session.connection"),
    ("sqlalchemy.orm.sessionmaker", "sqlalchemy.orm.sessionmaker"),
    ("sqlalchemy.orm.Session", "sqlalchemy.orm.sessionmaker.__call__"
                               " sqlalchemy.orm.sessionmaker.begin"
                               " sqlalchemy.orm.scoped_session.__call__"),
    ("sqlalchemy.orm.Query", "sqlalchemy.orm.Session.query sqlalchemy.orm.scoped_session.query"
                             " sqlmodel.Session.query"),
    ("sqlalchemy.orm.Query", _prefixed("sqlalchemy.orm.Query", "filter filter_by where order_by"
        " group_by having join outerjoin options limit offset distinct with_entities select_from"
        " params execution_options populate_existing")),
    ("sqlalchemy.ext.asyncio.AsyncEngine", "sqlalchemy.ext.asyncio.create_async_engine"),
    ("sqlalchemy.ext.asyncio.AsyncConnection", "sqlalchemy.ext.asyncio.AsyncEngine.connect"
                                               " sqlalchemy.ext.asyncio.AsyncEngine.begin"),
    ("sqlalchemy.ext.asyncio.async_sessionmaker", "sqlalchemy.ext.asyncio.async_sessionmaker"),
    ("sqlalchemy.ext.asyncio.AsyncSession", "sqlalchemy.ext.asyncio.async_sessionmaker.__call__"
                                            " sqlalchemy.ext.asyncio.async_sessionmaker.begin"),
)

_ALIAS_ROWS: tuple[tuple[str, str], ...] = (
    # (the spelling the tables use, other spellings of the same object)
    *((f"requests.{verb}", f"requests.api.{verb}") for verb in _VERBS.split()),
    ("requests.Session", "requests.sessions.Session"),
    ("requests.session", "requests.sessions.session"),
    ("urllib3.PoolManager", "urllib3.poolmanager.PoolManager"),
    ("urllib3.ProxyManager", "urllib3.poolmanager.ProxyManager"),
    ("urllib3.proxy_from_url", "urllib3.poolmanager.proxy_from_url"),
    ("urllib3.HTTPConnectionPool", "urllib3.connectionpool.HTTPConnectionPool"),
    ("urllib3.HTTPSConnectionPool", "urllib3.connectionpool.HTTPSConnectionPool"),
    ("urllib3.connection_from_url", "urllib3.connectionpool.connection_from_url"),
    ("builtins.open", "io.open"), ("socket.socket", "socket.SocketType"),
    ("pathlib.Path", "pathlib.PosixPath pathlib.WindowsPath"),  # not PurePath: it does no I/O
    ("psycopg.Connection", "psycopg.connection.Connection"),
    ("psycopg.Cursor", "psycopg.cursor.Cursor"),
    ("psycopg.ServerCursor", "psycopg.server_cursor.ServerCursor"),
    ("psycopg_pool.ConnectionPool", "psycopg_pool.pool.ConnectionPool"),
    ("pymysql.connections.Connection", "pymysql.connect pymysql.Connect pymysql.Connection"),
    ("MySQLdb.connect", "MySQLdb.Connect"),
    ("MySQLdb.connections.Connection", "MySQLdb.Connection"),
    ("redis.Redis", "redis.StrictRedis redis.client.Redis redis.client.StrictRedis"),
    ("redis.from_url", "redis.utils.from_url"),
    ("pymongo.MongoClient", "pymongo.mongo_client.MongoClient"
                            " pymongo.synchronous.mongo_client.MongoClient"),
    ("pymongo.database.Database", "pymongo.synchronous.database.Database"),
    ("pymongo.collection.Collection", "pymongo.synchronous.collection.Collection"),
    ("pymongo.cursor.Cursor", "pymongo.synchronous.cursor.Cursor"),
    ("boto3.session.Session", "boto3.Session"),
    ("concurrent.futures.Future", "concurrent.futures._base.Future"),
    ("concurrent.futures.ThreadPoolExecutor", "concurrent.futures.thread.ThreadPoolExecutor"),
    ("concurrent.futures.ProcessPoolExecutor", "concurrent.futures.process.ProcessPoolExecutor"),
    ("sqlalchemy.orm.Session", "sqlalchemy.orm.session.Session"),
    ("sqlalchemy.orm.sessionmaker", "sqlalchemy.orm.session.sessionmaker"),
    ("sqlalchemy.orm.scoped_session", "sqlalchemy.orm.scoping.scoped_session"),
    ("sqlalchemy.orm.Query", "sqlalchemy.orm.query.Query"),
    ("sqlalchemy.engine.Engine", "sqlalchemy.Engine sqlalchemy.engine.base.Engine"
                                 " sqlalchemy.future.Engine sqlalchemy.future.engine.Engine"),
    ("sqlalchemy.engine.Connection", "sqlalchemy.Connection sqlalchemy.engine.base.Connection"
                                     " sqlalchemy.future.Connection"),
    ("sqlalchemy.create_engine", "sqlalchemy.engine.create_engine sqlmodel.create_engine"
                                 " sqlalchemy.engine.create.create_engine"
                                 " sqlalchemy.future.create_engine"),
    ("sqlmodel.Session", "sqlmodel.orm.session.Session"),
    ("sqlalchemy.ext.asyncio.AsyncSession", "sqlalchemy.ext.asyncio.session.AsyncSession"),
    ("sqlalchemy.ext.asyncio.async_sessionmaker",
     "sqlalchemy.ext.asyncio.session.async_sessionmaker"),
    ("sqlalchemy.ext.asyncio.AsyncEngine", "sqlalchemy.ext.asyncio.engine.AsyncEngine"),
    ("sqlalchemy.ext.asyncio.AsyncConnection", "sqlalchemy.ext.asyncio.engine.AsyncConnection"),
    ("sqlalchemy.ext.asyncio.create_async_engine",
     "sqlalchemy.ext.asyncio.engine.create_async_engine"),
)

SESSION_CLASSES: frozenset[str] = frozenset({
    "sqlalchemy.orm.Session", "sqlalchemy.orm.scoped_session", "sqlmodel.Session",
    "sqlalchemy.engine.Engine", "sqlalchemy.engine.Connection", "sqlite3.Connection",
    "psycopg2.extensions.connection", "psycopg.Connection", "pymysql.connections.Connection",
    "MySQLdb.connections.Connection",
})
"""Sync database sessions, connections and engines: their I/O methods block."""

ASYNC_SESSION_CLASSES: frozenset[str] = frozenset({
    "sqlalchemy.ext.asyncio.AsyncSession", "sqlmodel.ext.asyncio.session.AsyncSession",
    "sqlalchemy.ext.asyncio.AsyncEngine", "sqlalchemy.ext.asyncio.AsyncConnection",
})
"""Async sessions, connections and engines: awaited, never blocking."""
# fmt: on


def _unique(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    table: dict[str, str] = {}
    for key, value in pairs:
        if table.setdefault(key, value) != value:
            raise ValueError(f"{key} is catalogued twice")
    return table


def _functions() -> dict[str, Blocking]:
    table: dict[str, Blocking] = {}
    for blocking, module, names in _FUNCTION_ROWS:
        for name in names.split():
            if table.setdefault(f"{module}.{name}", blocking) is not blocking:
                raise ValueError(f"{module}.{name} is catalogued twice")
    return table


def _methods() -> dict[str, MethodTable]:
    table: dict[str, MethodTable] = {}
    for blocking, classes, spec in _METHOD_ROWS:
        words = spec.split()
        names = frozenset(word for word in words if not word.startswith("!"))
        exempt = frozenset(word[1:] for word in words if word.startswith("!"))
        for cls in classes.split():
            if cls in table:
                raise ValueError(f"{cls} is catalogued twice")
            table[cls] = MethodTable(blocking, names, exempt)
    return table


_STAT_LIKE = (
    "exists lexists isfile isdir islink ismount isjunction getsize getmtime getatime getctime"
    " samefile sameopenfile"
)
_PATH_STAT_LIKE = (
    "exists stat lstat owner group is_dir is_file is_mount is_symlink is_junction"
    " is_block_device is_char_device is_fifo is_socket samefile readlink"
)
CHEAP_FILESYSTEM: frozenset[str] = frozenset(
    (
        *_prefixed("os.path", _STAT_LIKE).split(),
        *_prefixed("os", "stat lstat access readlink").split(),
        *_prefixed("pathlib.Path", _PATH_STAT_LIKE).split(),
        # closing a handle: a read handle does no I/O, a written one was reported at its write
        *(f"{cls}.close" for cls in _FILE_CLASSES.split()),
    )
)
"""Calls that touch the file system only for one cheap metadata syscall (a `stat`, an
`access`, closing a handle): blocking only under the `strict-filesystem` option. A network
file system can still stall on them, which is what the option is for."""

DIRECTORY_CREATION: frozenset[str] = frozenset({"os.mkdir", "os.makedirs", "pathlib.Path.mkdir"})

FUNCTIONS: Mapping[str, Blocking] = _functions()
"""Functions and constructors that block when called, by canonical qualified name."""

METHODS: Mapping[str, MethodTable] = _methods()
"""Blocking methods, by the canonical name of the class they are called on."""

RETURNS: Mapping[str, str] = _unique(
    [(cls, cls) for cls in (*METHODS, *ASYNC_SESSION_CLASSES)]
    + [(name, cls) for cls, names in _RETURN_ROWS for name in names.split()]
)
"""The catalogued class that calling a function, constructor or `Class.method` returns."""

ALIASES: Mapping[str, str] = _unique(
    (alias, name) for name, aliases in _ALIAS_ROWS for alias in aliases.split()
)
"""Other spellings of a catalogued name -> the spelling the tables use."""


def canonical(qualified_name: str) -> str:
    """`qualified_name` as the tables spell it: aliased whole, or by its owner (`X.method`)."""
    alias = ALIASES.get(qualified_name)
    if alias is not None:
        return alias
    owner, _, attribute = qualified_name.rpartition(".")
    owner_alias = ALIASES.get(owner)
    return qualified_name if owner_alias is None else f"{owner_alias}.{attribute}"


def _cheap(name: str, strict: bool, exist_ok: bool) -> bool:
    """One cheap metadata call (`CHEAP_FILESYSTEM`, or directory creation with `exist_ok`),
    which blocks only under `strict-filesystem`."""
    return not strict and (name in CHEAP_FILESYSTEM or (exist_ok and name in DIRECTORY_CREATION))


def blocking_function(
    qualified_name: str, strict: bool = False, exist_ok: bool = False
) -> Blocking | None:
    """How calling the function or constructor `qualified_name` blocks, if it does (called
    with `exist_ok=True` when `exist_ok`); cheap metadata calls only when `strict`."""
    name = canonical(qualified_name)
    return None if _cheap(name, strict, exist_ok) else FUNCTIONS.get(name)


def blocking_method(
    class_name: str, method: str, strict: bool = False, exist_ok: bool = False
) -> Blocking | None:
    """How calling `method` on an instance of `class_name` blocks, if it does (cheap metadata
    calls only when `strict`)."""
    owner = canonical(class_name)
    table = METHODS.get(owner)
    if table is None or _cheap(f"{owner}.{method}", strict, exist_ok):
        return None
    if method in table.names or (
        EVERY in table.names and not method.startswith("_") and method not in table.exempt
    ):
        return table.blocking
    return None


def returned_class(callable_name: str) -> str | None:
    """The catalogued class of what calling `callable_name` returns, when known."""
    return RETURNS.get(canonical(callable_name))
