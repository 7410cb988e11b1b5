"""The error answers of the REST API, declared in its OpenAPI schema.

drf-spectacular documents each operation's success only. A client (and Schemathesis in
CI, tests/api) also needs to know the refusals every operation can give, with their
bodies: DRF's ``{"detail": …}`` for 401/403/404/415/429 and the field errors of a 400.
A postprocessing hook adds them to every operation by what it is, so a new viewset gets
them without a decorator."""

from __future__ import annotations

DETAIL = "ErrorDetail"
FIELD_ERRORS = "FieldErrors"

SCHEMAS = {
    DETAIL: {
        "type": "object",
        "description": "A refusal: not signed in, not allowed, no such record, too many tries.",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    FIELD_ERRORS: {
        "type": "object",
        "description": "What was wrong with the request, by field name (the filter's or the body's); a refused "
                       "step that concerns no one field is under non_field_errors.",
        "additionalProperties": {},
    },
}


def _response(component: str, description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}}}


def declare_error_responses(result, generator, request, public):
    """POSTPROCESSING_HOOKS entry: 400 where a query string or a body can be wrong (and
    a service can refuse a step), 401/403 where a caller must sign in, 404 where a
    record, a page or a list's cursor is named, 415 where a body is sent, 429 at the token endpoint."""
    result.setdefault("components", {}).setdefault("schemas", {}).update(SCHEMAS)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            parameters = operation.get("parameters", [])
            query = {p["name"] for p in parameters if p.get("in") == "query"}
            errors = {}
            if method != "get" or query:
                errors["400"] = _response(FIELD_ERRORS, "The request is not valid (by field), or the step was refused.")
            if any(requirement for requirement in operation.get("security", [])):
                errors["401"] = _response(DETAIL, "No valid credentials: sign in or get a fresh token.")
                errors["403"] = _response(DETAIL, "Signed in, but this is not allowed to this user.")
            if "{" in path or "page" in query or "cursor" in query:
                errors["404"] = _response(
                    DETAIL, "No such record (or not one of this user's), no such page, or a cursor that is not one "
                            "of this list's next or previous links.")
            if "requestBody" in operation:
                errors["415"] = _response(DETAIL, "The body is in a media type this operation does not take.")
            if path.endswith("/auth/token/"):
                errors["429"] = _response(DETAIL, "Too many failed sign-ins: try again after Retry-After seconds.")
            for status, response in errors.items():
                operation["responses"].setdefault(status, response)
    return result
