"""A schema-driven fuzz run (issue 12): every operation in every service's OpenAPI document, called with valid
tokens of several roles against the real stack with data that fits its schema and data that does not, answers
as its document says (status, content type, body, headers) and never with a 5xx.

Examples per operation: ``INFOHUS_FUZZ_EXAMPLES`` (default 5: one to three minutes for the five services on two
cores, depending on what else runs; ``make test-slow`` runs 50). Each example is sent once per role.
"""

import os
import time
from uuid import uuid4

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from support import bearer

EXAMPLES = int(os.environ.get("INFOHUS_FUZZ_EXAMPLES", "5"))
ROLES = ("ssp_coordinator", "leadership", "compliance_officer", "network_member")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance]
SERVICES = ("intake", "assessment", "registry", "network", "notify")


@pytest.mark.parametrize("service", SERVICES)
def test_every_operation_answers_as_its_document_says(stack, service: str) -> None:
    base_url = stack.services[service].url
    schema = schemathesis.openapi.from_dict(httpx.get(f"{base_url}/openapi.json", timeout=10).raise_for_status().json())
    session = requests.Session()
    failures: list[str] = []
    operations = calls = 0
    started = time.monotonic()
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @settings(max_examples=EXAMPLES, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(GenerationMode.NEGATIVE))
        def answers_as_documented(case: schemathesis.Case) -> None:
            nonlocal calls
            for role in ROLES:
                calls += 1
                case.call_and_validate(base_url=base_url, session=session, headers=bearer(role), checks=CHECKS,
                                       timeout=10)

        try:
            answers_as_documented()
        except (Exception, BaseExceptionGroup) as failure:  # every operation is tried; all are reported together
            failures.append(f"{operation.label}: {failure}")
    print(f"\n{service}: {operations} operations, {calls} calls ({EXAMPLES} examples per operation, "
          f"{len(ROLES)} roles) in {time.monotonic() - started:.1f} s")
    assert operations > 3 and calls >= operations
    assert not failures, "\n\n".join(failures)


def test_what_the_fuzz_run_found_answers_as_documented(api) -> None:
    """Found by the run above; kept as plain cases so they are tried every time, not only when drawn."""
    dpo, ssp = bearer("compliance_officer"), bearer("ssp_coordinator")
    nul_id = api["registry"].post("/api/v1/subject-access", json={"concern_ids": ["\x00"]}, headers=dpo)
    assert nul_id.status_code == 422 and nul_id.headers["content-type"] == "application/problem+json", nul_id.text
    assert nul_id.json()["errors"][0]["field"] == "concern_ids.0" and "\x00" not in nul_id.text
    nul_parameter = api["notify"].get("/api/v1/deliveries", params={"channel": "e\x00mail"}, headers=dpo)
    assert nul_parameter.status_code == 422, nul_parameter.text
    assert nul_parameter.json()["errors"] == [
        {"field": "channel", "reason": "must not contain control characters", "type": "value_error"}]
    member = {"name": "Nina Netværk", "role": "police_coordinator", "email": "nina\x00@politi.invalid"}
    police = bearer("network_member", sub="u-net-fuzz", org="politikreds-nordjylland", police_district="nordjylland")
    nul_text = api["network"].post("/api/v1/members", json=member, headers=police)
    assert nul_text.status_code == 422 and nul_text.json()["errors"][0]["field"] == "email", nul_text.text
    not_json = api["registry"].post("/api/v1/compliance/share-preview", content=b"\xff{", headers=dpo | {
        "content-type": "application/json"})
    assert not_json.status_code == 400 and not_json.json()["type"] == "about:blank", not_json.text
    unknown = api["assessment"].get("/api/v1/assessments/compare", headers=ssp,
                                    params={"first": str(uuid4()), "second": str(uuid4())})
    document = api["assessment"].get("/openapi.json").json()
    assert str(unknown.status_code) in document["paths"]["/api/v1/assessments/compare"]["get"]["responses"]
