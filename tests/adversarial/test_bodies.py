"""Hostile request bodies: deeply nested JSON and oversize bodies get a 4xx naming the limit,
on every route that takes a body (walked from the route table), webhooks included."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import pytest

from tests.adversarial.routes import app_for, body_endpoints

DEEP = b"[" * 100_000 + b"]" * 100_000
DEEP_OBJECT = b'{"a":' * 50_000 + b"1" + b"}" * 50_000
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


async def _webhook_path(api: httpx.AsyncClient) -> str:
    path = f"deep-{uuid.uuid4().hex[:8]}"
    document = {
        "schema": "kyra.graph/1",
        "name": path,
        "nodes": [
            {"id": "hook", "type": "Webhook.trigger", "params": {"path": path, "methods": METHODS}}
        ],
    }
    response = await api.post("/api/graphs", json=document)
    assert response.status_code == 201, response.text
    return path


async def test_every_body_route_refuses_deep_json_with_a_400(
    api: httpx.AsyncClient, services: Any
) -> None:
    hook = await _webhook_path(api)
    routes = body_endpoints(app_for(services))
    assert len(routes) > 15
    for endpoint in routes:
        url = endpoint.url(path=hook)
        for body in (DEEP, DEEP_OBJECT):
            started = time.perf_counter()
            response = await api.request(
                endpoint.method, url, content=body, headers={"Content-Type": "application/json"}
            )
            elapsed = time.perf_counter() - started
            assert response.status_code == 400, (endpoint, response.text)
            assert "nested deeper than 64 levels" in response.json()["detail"], endpoint
            assert elapsed < 5, (endpoint, elapsed)  # a guard, not a measurement


async def test_api_routes_check_depth_whatever_the_content_type(api: httpx.AsyncClient) -> None:
    for content_type in ("text/plain", "application/octet-stream", ""):
        response = await api.post(
            "/api/graphs/validate", content=DEEP, headers={"Content-Type": content_type}
        )
        assert response.status_code == 400, (content_type, response.text)


async def test_json_at_the_depth_limit_is_accepted(api: httpx.AsyncClient) -> None:
    inputs: Any = "leaf"
    for _ in range(60):  # with the request's own levels, just under 64
        inputs = [inputs]
    response = await api.post("/api/graphs/validate", json={"nodes": inputs})
    assert response.status_code == 200
    text = '["' + "[" * 10_000 + '"]'  # brackets inside strings are data, not depth
    response = await api.post(
        "/api/graphs/validate", content=text, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 200


async def test_a_webhook_with_a_text_body_is_not_depth_checked(api: httpx.AsyncClient) -> None:
    hook = await _webhook_path(api)
    response = await api.post(
        f"/hooks/{hook}", content=b"[" * 1000, headers={"Content-Type": "text/plain"}
    )
    assert response.status_code < 300, response.text
    assert response.json()["output"]["hook"]["body"] == "[" * 1000


@pytest.mark.parametrize("declared", [True, False])
async def test_oversize_bodies_get_a_413_naming_the_limit(
    api: httpx.AsyncClient, settings: Any, declared: bool
) -> None:
    blob = b'{"x": "' + b"a" * (settings.max_request_bytes + 10) + b'"}'

    async def chunks() -> Any:
        for start in range(0, len(blob), 65536):
            yield blob[start : start + 65536]

    content: Any = blob if declared else chunks()
    response = await api.post(
        "/api/graphs", content=content, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert str(settings.max_request_bytes) in response.json()["detail"]


async def test_oversize_webhook_bodies_get_a_413(api: httpx.AsyncClient, settings: Any) -> None:
    hook = await _webhook_path(api)
    blob = b"a" * (settings.webhook_max_body_bytes + 1)
    response = await api.post(f"/hooks/{hook}", content=blob)
    assert response.status_code == 413
    assert str(settings.webhook_max_body_bytes) in response.json()["detail"]
