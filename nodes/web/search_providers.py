"""Web search providers for ``Web.research``, by name; add one with :func:`register`.

Each provider turns a query into ``[{title, url, snippet}]`` through the node's SSRF-guarded
HTTP client. ``searxng`` speaks the SearXNG JSON API (self-hosted, keyless; tests run a local
fake of it); ``brave`` the Brave Search API (``X-Subscription-Token``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

Search = Callable[[httpx.AsyncClient, str, int, dict[str, Any]], Awaitable[list[dict[str, str]]]]

#: Provider name → search function. Third parties call :func:`register` at import time.
PROVIDERS: dict[str, Search] = {}


def register(name: str) -> Callable[[Search], Search]:
    def decorator(fn: Search) -> Search:
        if name in PROVIDERS:
            raise ValueError(f"A search provider named {name!r} is already registered.")
        PROVIDERS[name] = fn
        return fn

    return decorator


@register("searxng")
async def searxng(
    http: httpx.AsyncClient, query: str, limit: int, config: dict[str, Any]
) -> list[dict[str, str]]:
    endpoint = str(config.get("endpoint") or "").rstrip("/")
    if not endpoint:
        raise ValueError("the searxng provider needs an endpoint (the instance's base URL)")
    response = await http.get(f"{endpoint}/search", params={"q": query, "format": "json"})
    response.raise_for_status()
    results = response.json().get("results", [])[:limit]
    return [
        {"title": r.get("title", ""), "url": r.get("url", ""), "snippet": r.get("content", "")}
        for r in results
    ]


@register("brave")
async def brave(
    http: httpx.AsyncClient, query: str, limit: int, config: dict[str, Any]
) -> list[dict[str, str]]:
    endpoint = str(config.get("endpoint") or "https://api.search.brave.com").rstrip("/")
    response = await http.get(
        f"{endpoint}/res/v1/web/search",
        params={"q": query, "count": limit},
        headers={"X-Subscription-Token": str(config.get("api_key", "")),
                 "Accept": "application/json"},
    )  # fmt: skip
    response.raise_for_status()
    results = response.json().get("web", {}).get("results", [])[:limit]
    return [
        {"title": r.get("title", ""), "url": r.get("url", ""), "snippet": r.get("description", "")}
        for r in results
    ]
