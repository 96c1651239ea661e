"""The one error family and the one answer shape ``build_app`` gives each of its members."""

from pathlib import Path
from typing import ClassVar

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from infohus_contracts.case.topics import ALL_TOPICS
from infohus_platform.errors import (
    Conflict,
    InfohusError,
    MalformedEvent,
    NotFound,
    PolicyUnavailable,
    RuleViolation,
    ShareRefused,
    TooLarge,
    UnsupportedType,
)
from infohus_platform.service import build_app, error_body
from infohus_platform.settings import ServiceSettings

POLICY_AWAY = "the policy service cannot be asked right now; nothing was shared"

CASES: list[tuple[InfohusError, int, dict]] = [
    (RuleViolation("person.cpr", "the CPR number and the birth date disagree"), 422,
     {"detail": "invalid request",
      "errors": [{"field": "person.cpr", "reason": "the CPR number and the birth date disagree", "type": "rule"}]}),
    (RuleViolation("description", "contains a CPR number", "free_text.cpr"), 422,
     {"detail": "invalid request",
      "errors": [{"field": "description", "reason": "contains a CPR number", "type": "free_text.cpr"}]}),
    (TooLarge("file", "larger than 10 MB"), 413,
     {"detail": "invalid request", "errors": [{"field": "file", "reason": "larger than 10 MB", "type": "rule"}]}),
    (UnsupportedType("file", "not a PDF"), 415,
     {"detail": "invalid request", "errors": [{"field": "file", "reason": "not a PDF", "type": "rule"}]}),
    (Conflict("the case is closed"), 409, {"detail": "the case is closed"}),
    (NotFound("case"), 404, {"detail": "no such case"}),
    (NotFound("case", "no such case or not yours"), 404, {"detail": "no such case or not yours"}),
    (ShareRefused(["recipient not allowed", "no legal basis"], "d-1"), 403,
     {"detail": {"reasons": ["recipient not allowed", "no legal basis"], "decision_id": "d-1"}}),
    (PolicyUnavailable("ConnectTimeout"), 503, {"detail": POLICY_AWAY}),
    (MalformedEvent("no concern id"), 500, {"detail": "no concern id"}),
    (InfohusError(), 500, {"detail": "internal error"}),
]
IDS = [f"{type(exc).__name__}-{i}" for i, (exc, _, _) in enumerate(CASES)]


@pytest.mark.parametrize(("exc", "status", "body"), CASES, ids=IDS)
def test_each_error_has_its_status_and_answer(exc: InfohusError, status: int, body: dict) -> None:
    assert exc.status == status
    assert error_body(exc) == body


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
    assert response.json() == body


def test_an_invalid_request_is_answered_in_the_same_shape_without_the_value(client: TestClient) -> None:
    response = client.post("/validate", json={"cpr": "0101-SECRET"})
    assert response.status_code == 422
    answer = response.json()
    assert answer["detail"] == "invalid request"
    assert [(e["field"], e["type"]) for e in answer["errors"]] == [("cpr", "string_pattern_mismatch")]
    assert "SECRET" not in response.text
