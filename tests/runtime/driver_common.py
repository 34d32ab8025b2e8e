"""What the runtime drivers (`*_driver.py` beside this file, each run as a script in a fresh
interpreter) share: values a JSON schema accepts, and the script's entry point."""

from __future__ import annotations

import json
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any


def resolve(schema: Any, document: dict[str, Any]) -> Any:
    """A schema with its `$ref`s followed through the OpenAPI (or JSON schema) document."""
    while isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
        target: Any = document
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        schema = target
    return schema


def example(schema: Any, document: dict[str, Any], depth: int = 0) -> Any:
    """A value valid for simple schemas, what a client could send without knowing more: the
    defaults, and the required properties filled."""
    schema = resolve(schema, document)
    if not isinstance(schema, dict) or depth > 8:
        return None
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    for key in ("anyOf", "oneOf", "allOf"):
        options = [o for o in schema.get(key, []) if resolve(o, document).get("type") != "null"]
        if options:
            return example(options[0], document, depth + 1)
    kind = schema.get("type")
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return float(max(1, schema.get("minimum", 1)))
    if kind == "boolean":
        return True
    if kind == "array":
        return []
    if kind == "null":
        return None
    if kind == "string":
        formats = {
            "date-time": "2024-01-01T00:00:00",
            "date": "2024-01-01",
            "time": "00:00:00",
            "email": "fixture@example.com",
            "uuid": "00000000-0000-0000-0000-000000000001",
            "uri": "https://example.com/",
        }
        text = formats.get(schema.get("format", ""), "fixture")
        return text.ljust(schema.get("minLength", 0), "x")
    properties = schema.get("properties") or {}
    return {
        name: example(properties.get(name, {}), document, depth + 1)
        for name in schema.get("required", [])
    }


def main(run: Callable[[Path], dict[str, Any]], arguments: list[str]) -> None:
    """`python DRIVER PROJECT OUTPUT.json`: `run(project)`'s record as JSON, with
    `driver_error` None; the driver's own failure is reported there, never hidden."""
    project, output = arguments
    warnings.simplefilter("ignore")
    try:
        result = run(Path(project))
        result["driver_error"] = None
    except BaseException:
        result = {"driver_error": traceback.format_exc()}
    Path(output).write_text(json.dumps(result, indent=1, sort_keys=True), encoding="utf-8")
