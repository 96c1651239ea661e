"""Request bounds: the body limit counts while the body streams in, validation answers stay small,
the rate limiter is per client and the client's address comes from a proxy header only when trusted."""

from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from pydantic import BaseModel

from infohus_platform import problems
from infohus_platform.limits import BodyLimit, RateLimiter, client_address
from infohus_platform.problems import PROBLEM_JSON, too_large_page, validation_problem
from infohus_platform.service import body_limit
from infohus_platform.settings import ServiceSettings


class Note(BaseModel):
    text: str


def limited_app(limit: int = 1000) -> tuple[FastAPI, list[int]]:
    app = FastAPI()
    seen: list[int] = []

    @app.post("/notes")
    async def note(body: Note) -> dict[str, int]:
        seen.append(len(body.text))
        return {"length": len(body.text)}

    @app.post("/raw")
    async def raw(request: Request) -> dict[str, int]:
        return {"length": len(await request.body())}

    app.add_middleware(BodyLimit, limit_for=lambda scope: limit, page=too_large_page)
    problems.install(app, 20)
    return app, seen


def chunks(total: int, size: int = 100):
    yield b'{"text": "'
    for _ in range(total // size):
        yield b"a" * size
    yield b'"}'


def test_a_chunked_body_without_content_length_is_cut_off_while_it_streams():
    app, seen = limited_app()
    with TestClient(app) as client:
        response = client.post("/notes", content=chunks(5000), headers={"content-type": "application/json"})
        assert "content-length" not in response.request.headers
        assert response.status_code == 413
        assert response.headers["content-type"] == PROBLEM_JSON
        assert response.json() == {"type": "urn:infohus:problem:too-large", "title": "Content Too Large",
                                   "status": 413, "detail": "the request body is too large (at most 1000 bytes)"}
        assert seen == []
        small = client.post("/notes", content=chunks(500), headers={"content-type": "application/json"})
        assert small.status_code == 200 and small.json() == {"length": 500}


def test_a_declared_content_length_over_the_limit_is_refused_before_reading():
    app, _ = limited_app()
    with TestClient(app) as client:
        response = client.post("/raw", content=b"x" * 1001)
        assert response.status_code == 413 and response.json()["detail"].startswith("the request body is too large")
        assert client.post("/raw", content=b"x" * 1000).json() == {"length": 1000}


class Settings(ServiceSettings):
    service_name = "intake"
    default_port = 8001


def test_a_route_that_reads_the_raw_body_gets_the_upload_ceiling_others_the_request_limit():
    settings = Settings(max_request_bytes=2048, max_upload_bytes=4096)
    app, _ = limited_app()
    routes = {route.path: route for route in app.routes}
    assert body_limit(settings, {"route": routes["/notes"]}) == 2048
    assert body_limit(settings, {"route": routes["/raw"]}) == 4096
    assert body_limit(settings, {}) == 2048


def test_a_validation_answer_never_grows_with_the_input():
    errors = [{"loc": ("body", "concern_signs", i), "msg": "Input should be 'a'", "type": "enum"}
              for i in range(100_000)]
    body = validation_problem(errors, 20)
    assert len(body["errors"]) == 20 and body["more_errors"] == 99_980
    assert body["errors"][0]["field"] == "concern_signs.0"
    assert "more_errors" not in validation_problem(errors[:3], 20)


def test_the_rate_limiter_is_per_client_and_refills():
    now = [0.0]
    limiter = RateLimiter(per_minute=60, burst=3, clock=lambda: now[0])
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("b")
    assert limiter.retry_after("a") >= 1
    now[0] += 1.0
    assert limiter.allow("a") and not limiter.allow("a")


def test_the_rate_limiter_remembers_a_bounded_number_of_clients():
    limiter = RateLimiter(per_minute=1, burst=1, max_keys=100)
    for i in range(1000):
        limiter.allow(f"10.0.{i // 256}.{i % 256}")
    assert len(limiter._buckets) == 100


def test_the_client_address_comes_from_a_proxy_header_only_when_one_is_trusted():
    scope = {"client": ("10.0.0.7", 5000), "headers": [(b"x-forwarded-for", b"1.1.1.1, 192.0.2.4")]}
    assert client_address(scope) == "10.0.0.7"
    assert client_address(scope, "X-Forwarded-For") == "192.0.2.4"
    assert client_address({"client": ("10.0.0.7", 5000), "headers": []}, "X-Forwarded-For") == "10.0.0.7"
    assert client_address({"headers": []}) == "unknown"
