"""The OpenAPI schema's error answers (a drf-spectacular postprocessing hook, SPECTACULAR_SETTINGS).

drf-spectacular documents only the success of each operation; the API also answers 400 (bad input,
field by field), 401/403 (no credentials, no permission), 404 (not in the user's scope, or a page
past the end), 409 (an illegal state change), 415 (a body in a Content-Type it does not read) and
503 (busy, try again). Documenting them lets a client (and the fuzz test, tests/erp/api_fuzz.py)
know every answer it may get."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _l

ERROR = {"$ref": "#/components/schemas/ErrorDetail"}
WRITE_METHODS = ("post", "put", "patch", "delete")


def _json(schema: dict[str, Any], description: Any) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["ErrorDetail"] = {
        "type": "object",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    }
    # {"field": ["message", …], "lines": [{…}, …], "detail": "…"}: the shape follows the request's
    schemas["ValidationErrors"] = {"type": "object", "additionalProperties": {}}
    for methods in result.get("paths", {}).values():
        for method, operation in methods.items():
            if method not in ("get", *WRITE_METHODS):
                continue
            answers = operation.setdefault("responses", {})
            answers.setdefault("400", _json({"$ref": "#/components/schemas/ValidationErrors"}, _l("Invalid input")))
            answers.setdefault("401", _json(ERROR, _l("No or invalid credentials")))
            answers.setdefault("403", _json(ERROR, _l("Not permitted")))
            answers.setdefault("404", _json(ERROR, _l("Not found, or not visible to you")))
            if method in WRITE_METHODS:
                answers.setdefault("409", _json(ERROR, _l("Not allowed in the record's current state")))
                if "requestBody" in operation:
                    answers.setdefault("415", _json(ERROR, _l("Unsupported Content-Type")))
                answers.setdefault("503", _json(ERROR, _l("Busy with the same records; try again")))
    return result
