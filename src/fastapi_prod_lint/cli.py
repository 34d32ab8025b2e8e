"""The `fastapi-prod-lint` command: check (default), rules, rule CODE."""

from __future__ import annotations

import argparse
import gc
import json
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from fastapi_prod_lint import __version__
from fastapi_prod_lint.core.config import ConfigError, Settings, load_settings, parse_code_list
from fastapi_prod_lint.core.finding import SYNTAX_ERROR_CODE, Finding
from fastapi_prod_lint.core.layout import find_root
from fastapi_prod_lint.core.runner import check_paths, check_source
from fastapi_prod_lint.core.syntax import MISSING_FACTS, running_version
from fastapi_prod_lint.output import FORMATS

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143  # 128 + SIGINT, 128 + SIGTERM, as shells report


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fastapi-prod-lint",
        description="Find the mistakes that take FastAPI services down in production.",
        epilog="Other commands: `fastapi-prod-lint rules [--output-format json]` lists the rules;"
        " `fastapi-prod-lint rule CODE` shows one rule's documentation.",
    )
    parser.add_argument("paths", nargs="*", default=["."], help="files or folders (default .)")
    parser.add_argument("--select", help="comma-separated codes or prefixes to enable only")
    parser.add_argument("--extend-select", help="codes or prefixes to enable as well")
    parser.add_argument("--ignore", help="comma-separated codes or prefixes to disable")
    parser.add_argument("--output-format", choices=sorted(FORMATS), default="text")
    parser.add_argument(
        "--stdin-filename",
        metavar="PATH",
        help="read the file's content from standard input (an editor buffer)",
    )
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write a cache")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        help="cache folder (default: $FASTAPI_PROD_LINT_CACHE_DIR, else the project's folder"
        " in the user cache directory, ~/.cache/fastapi-prod-lint/projects/ on Linux); files"
        " that do not verify with the user's cache key are ignored",
    )
    parser.add_argument("-j", "--jobs", type=int, default=0, help="processes (default: cores)")
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even with findings")
    parser.add_argument(
        "--show-settings",
        action="store_true",
        help="print the project each path belongs to (root, import roots, settings, every"
        " module's dotted name) and check nothing",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def _adjuster(args: argparse.Namespace) -> Callable[[Settings], Settings]:
    """The command line's --select/--extend-select/--ignore, applied to a project's settings."""
    select = parse_code_list(args.select, "--select") if args.select else None
    extend = parse_code_list(args.extend_select, "--extend-select") if args.extend_select else ()
    ignore = parse_code_list(args.ignore, "--ignore") if args.ignore else ()

    def adjust(settings: Settings) -> Settings:
        changes: dict[str, object] = {}
        if select is not None:
            changes["select"] = select
        if extend:
            changes["extend_select"] = (*settings.extend_select, *extend)
        if ignore:
            changes["ignore"] = (*settings.ignore, *ignore)
        return settings.override(**changes) if changes else settings

    return adjust


def run_check(argv: Sequence[str]) -> int:
    args = _parser().parse_args(argv)
    # A short-lived process whose trees and summaries hold no reference cycles: collections
    # would only rescan the live index over and over (they cost half the run on 1,000 files).
    gc.disable()
    adjust = _adjuster(args)
    if args.show_settings:
        return show_settings(args.paths, adjust, not args.no_cache)
    if args.stdin_filename:
        settings = adjust(load_settings(find_root(Path(args.stdin_filename))))
        data = sys.stdin.buffer.read()
        findings = check_source(data, args.stdin_filename, settings, use_cache=not args.no_cache)
    else:
        missing = [p for p in args.paths if not os.path.exists(p)]
        if missing:
            print(
                f"fastapi-prod-lint: error: no such file or folder: {missing[0]}", file=sys.stderr
            )
            return EXIT_ERROR
        notes: list[str] = []
        findings = check_paths(
            args.paths,
            cache_dir=args.cache_dir,
            use_cache=not args.no_cache,
            jobs=args.jobs or None,
            adjust=adjust,
            notes=notes,
        )
        for note in notes:
            print(note, file=sys.stderr)
    output = FORMATS[args.output_format](sorted(findings))
    if output:
        print(output)
    _report_missing_facts(findings)
    return EXIT_FINDINGS if findings and not args.exit_zero else EXIT_CLEAN


def show_settings(paths: Sequence[str], adjust: Callable[[Settings], Settings], cache: bool) -> int:
    from fastapi_prod_lint.core.runner import load_project
    from fastapi_prod_lint.core.show import describe

    for root in dict.fromkeys(find_root(Path(path)) for path in paths):
        print(describe(load_project(root, adjust(load_settings(root)), use_cache=cache)))
    return EXIT_CLEAN


def _report_missing_facts(findings: Sequence[Finding]) -> None:
    """One line at the end of the run naming the files written for a newer Python whose facts
    the index could not keep (no newer-grammar parser here): cross-file findings may be lost."""
    missing = sorted(
        {f.path for f in findings if f.code == SYNTAX_ERROR_CODE and MISSING_FACTS in f.message}
    )
    if missing:
        files, their = (
            (f"{len(missing)} files use", "their") if missing[1:] else ("1 file uses", "its")
        )
        print(
            f"fastapi-prod-lint: {files} syntax newer than Python {running_version()}: {their} "
            f"facts are missing from cross-file analysis: {', '.join(missing)}",
            file=sys.stderr,
        )


def run_rules(argv: Sequence[str]) -> int:
    from fastapi_prod_lint.core.rule import pylint_message_id
    from fastapi_prod_lint.rules import ALL_RULES

    parser = argparse.ArgumentParser(prog="fastapi-prod-lint rules")
    parser.add_argument("--output-format", choices=["text", "json"], default="text")
    args = parser.parse_args(argv)
    if args.output_format == "json":
        rows = [
            {
                "code": rule.code,
                "name": rule.name,
                "pylint_id": rule.host_codes.get("pylint", pylint_message_id(rule.code)),
                "summary": rule.summary(),
                "default_enabled": rule.default_enabled,
                "fixable": rule.fixable,
                "options": {
                    field.name.replace("_", "-"): list(field.default)
                    if isinstance(field.default, tuple)
                    else field.default
                    for field in rule.option_fields()
                },
            }
            for rule in ALL_RULES
        ]
        print(json.dumps(rows, indent=2))
    else:
        for rule in ALL_RULES:
            state = "" if rule.default_enabled else " (opt-in)"
            print(f"{rule.code}  {rule.name:<40} {rule.summary()}{state}")
    return EXIT_CLEAN


def run_rule(argv: Sequence[str]) -> int:
    from fastapi_prod_lint.docs import render_rule, rule_by_selector

    if len(argv) != 1:
        print("usage: fastapi-prod-lint rule CODE", file=sys.stderr)
        return EXIT_ERROR
    rule = rule_by_selector(argv[0])
    if rule is None:
        print(f"fastapi-prod-lint: error: unknown rule `{argv[0]}`", file=sys.stderr)
        return EXIT_ERROR
    print(render_rule(rule), end="")
    return EXIT_CLEAN


class Terminated(BaseException):
    """SIGTERM, raised where the run is, like KeyboardInterrupt for SIGINT."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


def main(argv: Sequence[str] | None = None) -> int:
    """The command line. Ctrl-C exits 130 and SIGTERM 143, with one line and no traceback;
    the cache is written atomically, so an interrupted run leaves the last good one."""
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if in_main_thread else None
    try:
        return _main(argv)
    except KeyboardInterrupt:
        print("fastapi-prod-lint: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Terminated:
        print("fastapi-prod-lint: terminated", file=sys.stderr)
        return EXIT_TERMINATED
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)


def _main(argv: Sequence[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = argv[0] if argv else ""
    try:
        if command == "rules":
            return run_rules(argv[1:])
        if command == "rule":
            return run_rule(argv[1:])
        return run_check(argv[1:] if command == "check" else argv)
    except ConfigError as error:
        print(f"fastapi-prod-lint: configuration error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except SystemExit as exit_:  # argparse's usage errors
        return EXIT_ERROR if exit_.code not in (0, None) else EXIT_CLEAN
