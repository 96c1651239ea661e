"""The one error family and the one answer shape ``build_app`` gives each of its members."""

from pathlib import Path
from typing import ClassVar

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from infohus_contracts.case.topics import ALL_TOPICS
from infohus_platform.errors import (
    AccessRefused,
    Conflict,
    DatabaseUnavailable,
    InfohusError,
    MalformedEvent,
    NotFound,
    PolicyUnavailable,
    RuleViolation,
    ShareRefused,
    TooLarge,
    Unauthenticated,
    UnsupportedType,
)
from infohus_platform.problems import PROBLEM_JSON, error_problem
from infohus_platform.service import build_app
from infohus_platform.settings import ServiceSettings

POLICY_AWAY = "the policy service cannot be asked right now; nothing was shared"
P = "urn:infohus:problem:"


def invalid(status: int, title: str, kind: str, *errors: dict) -> dict:
    return {"type": P + kind, "title": title, "status": status, "detail": "invalid request", "errors": list(errors)}


CASES: list[tuple[InfohusError, int, dict]] = [
    (RuleViolation("person.cpr", "the CPR number and the birth date disagree"), 422,
     invalid(422, "Unprocessable Content", "invalid-request",
             {"field": "person.cpr", "reason": "the CPR number and the birth date disagree", "type": "rule"})),
    (RuleViolation("description", "contains a CPR number", "free_text.cpr"), 422,
     invalid(422, "Unprocessable Content", "invalid-request",
             {"field": "description", "reason": "contains a CPR number", "type": "free_text.cpr"})),
    (TooLarge("file", "larger than 10 MB"), 413,
     invalid(413, "Content Too Large", "too-large", {"field": "file", "reason": "larger than 10 MB", "type": "rule"})),
    (UnsupportedType("file", "not a PDF"), 415,
     invalid(415, "Unsupported Media Type", "unsupported-type",
             {"field": "file", "reason": "not a PDF", "type": "rule"})),
    (Conflict("the case is closed"), 409,
     {"type": P + "conflict", "title": "Conflict", "status": 409, "detail": "the case is closed"}),
    (NotFound("case"), 404, {"type": P + "not-found", "title": "Not Found", "status": 404, "detail": "no such case"}),
    (NotFound("case", "no such case or not yours"), 404,
     {"type": P + "not-found", "title": "Not Found", "status": 404, "detail": "no such case or not yours"}),
    (Unauthenticated("a bearer token is required"), 401,
     {"type": P + "unauthenticated", "title": "Unauthorized", "status": 401, "detail": "a bearer token is required"}),
    (AccessRefused(["role 'network_member' may not perform 'case.read'"]), 403,
     {"type": P + "access-refused", "title": "Forbidden", "status": 403, "detail": "refused by the access policy",
      "reasons": ["role 'network_member' may not perform 'case.read'"]}),
    (ShareRefused(["recipient not allowed", "no legal basis"], "d-1"), 403,
     {"type": P + "share-refused", "title": "Forbidden", "status": 403, "detail": "refused by the sharing policy",
      "reasons": ["recipient not allowed", "no legal basis"], "decision_id": "d-1"}),
    (PolicyUnavailable("ConnectTimeout"), 503,
     {"type": P + "policy-unavailable", "title": "Service Unavailable", "status": 503, "detail": POLICY_AWAY}),
    (DatabaseUnavailable("ConnectionRefusedError"), 503,
     {"type": P + "database-unavailable", "title": "Service Unavailable", "status": 503,
      "detail": "the database cannot be reached right now; nothing was done"}),
    (MalformedEvent("no concern id"), 500,
     {"type": P + "internal-error", "title": "Internal Server Error", "status": 500, "detail": "no concern id"}),
    (InfohusError(), 500,
     {"type": P + "internal-error", "title": "Internal Server Error", "status": 500, "detail": "internal error"}),
]
IDS = [f"{type(exc).__name__}-{i}" for i, (exc, _, _) in enumerate(CASES)]


@pytest.mark.parametrize(("exc", "status", "body"), CASES, ids=IDS)
def test_each_error_has_its_status_and_answer(exc: InfohusError, status: int, body: dict) -> None:
    assert exc.status == status
    assert error_problem(exc) == body


def test_the_family_is_pure_exceptions() -> None:
    assert all(isinstance(exc, Exception) and isinstance(exc, InfohusError) for exc, _, _ in CASES)
    assert issubclass(TooLarge, RuleViolation) and issubclass(UnsupportedType, RuleViolation)
    assert str(PolicyUnavailable("ConnectTimeout")) == "ConnectTimeout"  # never shown: the answer is fixed


class ErrorsSettings(ServiceSettings):
    service_name: ClassVar[str] = "intake"
    default_port: ClassVar[int] = 0


class Submission(BaseModel):
    cpr: str = Field(pattern=r"^\d{10}$")


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    router = APIRouter()

    @router.get("/raise/{index}")
    async def raise_one(index: int) -> None:
        raise CASES[index][0]

    @router.get("/search/{kind}")
    async def search(kind: str, q: str = "") -> dict[str, str]:
        return {"kind": kind, "q": q}

    @router.post("/validate")
    async def validate(body: Submission) -> Submission:
        return body

    settings = ErrorsSettings(infohus_data_dir=tmp_path, infohus_dev_idp_dir=tmp_path / "idp")
    app = build_app(settings, title="errors", topics=ALL_TOPICS, tables=[], routers=[router])
    return TestClient(app)  # no lifespan: the routes touch neither the database nor the broker


@pytest.mark.parametrize("index", range(len(CASES)), ids=IDS)
def test_build_app_answers_every_error_of_the_family_in_one_shape(client: TestClient, index: int) -> None:
    _, status, body = CASES[index]
    response = client.get(f"/raise/{index}")
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json() == body


def test_the_answers_carry_their_headers(client: TestClient) -> None:
    indices = {type(exc): i for i, (exc, _, _) in enumerate(CASES)}
    assert client.get(f"/raise/{indices[PolicyUnavailable]}").headers["retry-after"] == "5"
    assert client.get(f"/raise/{indices[DatabaseUnavailable]}").headers["retry-after"] == "5"
    assert client.get(f"/raise/{indices[Unauthenticated]}").headers["www-authenticate"] == "Bearer"


def test_the_frameworks_own_errors_are_problems_too(client: TestClient) -> None:
    unknown = client.get("/no-such-route")
    assert unknown.status_code == 404 and unknown.headers["content-type"] == PROBLEM_JSON
    assert unknown.json() == {"type": "about:blank", "title": "Not Found", "status": 404, "detail": "Not Found"}
    wrong_method = client.delete("/validate")
    assert wrong_method.status_code == 405 and wrong_method.json()["title"] == "Method Not Allowed"
    unauthenticated = client.get("/api/v1/processing-log")
    assert unauthenticated.status_code == 401 and unauthenticated.json()["type"] == P + "unauthenticated"


def test_a_control_character_in_a_parameter_is_refused_naming_the_parameter(client: TestClient) -> None:
    assert client.get("/search/cases", params={"q": "Aars\tskole"}).status_code == 200  # a tab is text
    for url, field in (("/search/cases?q=Aars%00", "q"), ("/search/ca%00ses", "kind")):
        refused = client.get(url)
        assert refused.status_code == 422 and refused.headers["content-type"] == PROBLEM_JSON, url
        assert refused.json()["errors"] == [
            {"field": field, "reason": "must not contain control characters", "type": "value_error"}]
    assert client.get("/search/cases", params={"q": "Aars skole"}).json() == {"kind": "cases", "q": "Aars skole"}


def test_an_invalid_request_is_answered_in_the_same_shape_without_the_value(client: TestClient) -> None:
    response = client.post("/validate", json={"cpr": "0101-SECRET"})
    assert response.status_code == 422
    answer = response.json()
    assert response.headers["content-type"] == PROBLEM_JSON
    assert (answer["type"], answer["status"], answer["detail"]) == ("urn:infohus:problem:invalid-request", 422,
                                                                    "invalid request")
    assert [(e["field"], e["type"]) for e in answer["errors"]] == [("cpr", "string_pattern_mismatch")]
    assert "SECRET" not in response.text


def test_the_openapi_document_lists_each_error_in_the_shape_sent(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and schemas["ValidationProblem"]["required"] == [
        "type", "title", "status", "detail", "errors"]

    def answers(path: str, method: str) -> dict[str, str]:
        responses = document["paths"][path][method]["responses"]
        return {code: next(iter(r.get("content", {"": {}}).items()))[1].get("schema", {}).get("$ref", "").rsplit(
            "/", 1)[-1] for code, r in responses.items()}

    assert answers("/validate", "post") == {"200": "Submission", "400": "Problem", "413": "Problem",
                                            "422": "ValidationProblem"}
    assert answers("/raise/{index}", "get") == {"200": "", "404": "Problem", "422": "ValidationProblem"}
    assert answers("/api/v1/processing-log", "get") == {
        "200": "", "401": "Problem", "403": "Problem", "422": "ValidationProblem", "503": "Problem"}
    assert answers("/readyz", "get")["503"] == "ReadinessPublic"  # its own shape, not a problem
    invalid = client.post("/validate", json={"cpr": "x"})
    assert set(invalid.json()) <= set(schemas["ValidationProblem"]["properties"])
