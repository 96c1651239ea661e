"""Every error a service answers, as RFC 9457 problem details, and the OpenAPI documents that say so.

``install`` answers the error family (``errors.py``), invalid requests and the framework's own HTTP
errors (a body that cannot be parsed, an unknown route, a wrong method, the body limit's 413) as
``application/problem+json``: ``type``, ``title``, ``status``, ``detail``, and where they apply
``errors`` (field and reason, at most ``MAX_VALIDATION_ERRORS``, ``more_errors`` says how many more),
the policy's ``reasons`` and a share's ``decision_id``. An answer never echoes a rejected value (it
may be a CPR number).

``document`` makes the app's OpenAPI document list, for every operation, each error it answers, in
this one shape: what every operation of its kind answers (a bearer token, and so the access policy:
401, 403, 503; parameters: 422; a body: 400, 413, 422; a path parameter: 404), plus what a route declares
itself (``responses={409: {"description": ...}}``).
"""

import json
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from infohus_platform.errors import (
    AccessRefused,
    DependencyUnavailable,
    InfohusError,
    RuleViolation,
    ShareRefused,
    Unauthenticated,
)
from infohus_platform.limits import TOO_LARGE_DETAIL

PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "urn:infohus:problem:"
INVALID_REQUEST = "invalid request"
# RFC 9110's names (Python's ``HTTPStatus`` phrases differ between versions for 413 and 422).
TITLES = {413: "Content Too Large", 422: "Unprocessable Content"}


def title(status: int) -> str:
    return TITLES.get(status) or HTTPStatus(status).phrase


class FieldError(BaseModel):
    """One reason a request is invalid: the field's path and why, never the value."""

    field: str = Field(description="the field's path, e.g. `person.cpr`", max_length=200)
    reason: str = Field(max_length=300)
    type: str = Field(description="the rule's family, e.g. `string_pattern_mismatch`, `rule`, `free_text.cpr`")


class Problem(BaseModel):
    """An error answer (RFC 9457 problem details); the extension members appear only where they apply."""

    type: str = Field(description="`urn:infohus:problem:<kind>`, or `about:blank` for a plain HTTP error")
    title: str = Field(description="the HTTP status's phrase")
    status: int
    detail: str = Field(description="what went wrong, in words")
    errors: list[FieldError] | None = Field(None, description="invalid fields (422, 413, 415 of a field)")
    more_errors: int | None = Field(None, description="how many more invalid fields were not listed")
    reasons: list[str] | None = Field(None, description="the policy's reasons for a refusal (403)")
    decision_id: str | None = Field(None, description="the policy decision that refused a share (403)")


class ValidationProblem(Problem):
    """A 422: the request is invalid; ``errors`` names the fields and why."""

    errors: list[FieldError]


def problem(status: int, detail: str, kind: str | None = None, **extensions: Any) -> dict[str, Any]:
    """The body of a problem answer; ``kind`` is its type (``urn:infohus:problem:<kind>``)."""
    body = Problem(type=f"{TYPE_PREFIX}{kind}" if kind else "about:blank", title=title(status),
                   status=status, detail=detail, **extensions)
    return body.model_dump(exclude_none=True)


def page(status: int, detail: str, kind: str | None = None) -> tuple[bytes, bytes]:
    """A problem as a middleware sends it: content type and body."""
    return PROBLEM_JSON.encode(), json.dumps(problem(status, detail, kind)).encode()


def too_large_page(limit: int) -> tuple[bytes, bytes]:
    return page(413, f"{TOO_LARGE_DETAIL} (at most {limit} bytes)", "too-large")


def validation_problem(errors: Sequence[Any], max_errors: int) -> dict[str, Any]:
    """A 422 that never grows with the input: at most ``max_errors`` errors, and how many more."""
    listed = [
        FieldError(field=".".join(str(p) for p in err["loc"] if p not in ("body", "query", "path", "header"))[:200],
                   reason=str(err["msg"])[:300], type=err["type"])
        for err in errors[:max_errors]
    ]
    return problem(422, INVALID_REQUEST, RuleViolation.problem, errors=listed,
                   more_errors=len(errors) - max_errors if len(errors) > max_errors else None)


def error_problem(exc: InfohusError) -> dict[str, Any]:
    """The body for an error of the family: what and why, never a value that was sent."""
    if isinstance(exc, RuleViolation):
        return problem(exc.status, INVALID_REQUEST, exc.problem,
                       errors=[FieldError(field=exc.field, reason=exc.reason, type=exc.error_type)])
    if isinstance(exc, ShareRefused):
        return problem(exc.status, "refused by the sharing policy", exc.problem, reasons=exc.reasons,
                       decision_id=exc.decision_id)
    if isinstance(exc, AccessRefused):
        return problem(exc.status, "refused by the access policy", exc.problem, reasons=exc.reasons)
    detail = getattr(exc, "detail", None)  # NotFound, Conflict, Unauthenticated, DependencyUnavailable
    return problem(exc.status, detail if isinstance(detail, str) else str(exc) or "internal error", exc.problem)


def _headers_of(exc: InfohusError) -> dict[str, str] | None:
    if isinstance(exc, DependencyUnavailable):
        return {"Retry-After": str(exc.retry_after_seconds)}
    if isinstance(exc, Unauthenticated):
        return {"WWW-Authenticate": exc.challenge}
    return None


def install(app: FastAPI, max_errors: int) -> None:
    """Problem details for every error the app answers, and the OpenAPI document that lists them."""

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(validation_problem(exc.errors(), max_errors), status_code=422, media_type=PROBLEM_JSON)

    @app.exception_handler(InfohusError)
    async def infohus_error(_: Request, exc: InfohusError) -> JSONResponse:
        return JSONResponse(error_problem(exc), status_code=exc.status, headers=_headers_of(exc),
                            media_type=PROBLEM_JSON)

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, exc: HTTPException) -> JSONResponse:
        # The framework's own: a body it cannot parse (400), an unknown route (404), a wrong method (405), the
        # body limit (413).
        detail = exc.detail if isinstance(exc.detail, str) else title(exc.status_code)
        kind = "too-large" if exc.status_code == 413 else None
        return JSONResponse(problem(exc.status_code, detail, kind), status_code=exc.status_code,
                            headers=dict(exc.headers) if exc.headers else None, media_type=PROBLEM_JSON)

    document(app, max_errors)


# -- the OpenAPI document -------------------------------------------------------------------------------

DESCRIPTIONS = {
    400: "The body cannot be parsed (not JSON, or not UTF-8).",
    401: "No valid bearer token.",
    403: "Refused by the access policy; `reasons` says why.",
    404: "No such thing, or none this caller may know of.",
    409: "The thing is in a state that does not allow this.",
    413: "The request body is larger than allowed.",
    415: "The request's content is of a type that is not accepted.",
    422: "The request is invalid; `errors` names the fields and why.",
    503: "A dependency (the policy service, the database) cannot be reached; nothing was done. Retry after "
         "`Retry-After` seconds.",
}


def _answers(operation: dict[str, Any]) -> set[int]:
    """The error statuses an operation answers by its kind, and those it declares itself."""
    statuses = {int(code) for code in operation.get("responses", {}) if code.isdigit() and int(code) >= 400}
    if operation.get("security"):  # a bearer token, and every such route asks the access policy
        statuses |= {401, 403, 503}
    parameters = operation.get("parameters", [])
    if any(parameter["in"] == "path" for parameter in parameters):
        statuses.add(404)
    if parameters or "requestBody" in operation:
        statuses.add(422)
    if "requestBody" in operation:
        statuses |= {400, 413}  # a body that is not JSON at all; too large
    return statuses


def _own_shape(answer: dict[str, Any]) -> bool:
    """A response documented with a model of its own (``/readyz``'s 503), not an error of the family."""
    refs = [str(media.get("schema", {}).get("$ref", "")) for media in answer.get("content", {}).values()]
    return any(ref and not ref.endswith("/HTTPValidationError") for ref in refs)


def document(app: FastAPI, max_errors: int) -> None:
    """Post-process ``app.openapi()``: every operation lists its error answers as problem details."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in (Problem, ValidationProblem):
            definition = model.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas.update(definition.pop("$defs", {}))
            schemas[model.__name__] = definition
        schemas["ValidationProblem"]["properties"]["errors"]["maxItems"] = max_errors
        for name in ("HTTPValidationError", "ValidationError"):
            schemas.pop(name, None)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for status in sorted(_answers(operation)):
                    answer = responses.setdefault(str(status), {})
                    if _own_shape(answer):
                        continue
                    shape = "ValidationProblem" if status == 422 else "Problem"
                    declared = answer.get("description")
                    answer["description"] = (declared if declared and declared != "Validation Error"
                                             else DESCRIPTIONS.get(status, title(status)))
                    answer["content"] = {PROBLEM_JSON: {"schema": {"$ref": f"#/components/schemas/{shape}"}}}
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
