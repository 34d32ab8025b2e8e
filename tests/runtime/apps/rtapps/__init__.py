"""Small FastAPI apps for the runtime test: each route shows one behaviour.

Every module with a module-level `app` is an app. Every route is `GET /<function name>`, takes
no query parameters and answers 200 when nothing stops it. Blocking calls stay tiny (a
millisecond's sleep, `true` as the subprocess, a closed port on 127.0.0.1 as the network), so
the routes also succeed when nothing watches them. `services` -> `storage` -> `disk` are sync
helpers in other modules, for the calls that block only through them.
"""
