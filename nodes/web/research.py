"""Internet research: search the web, read the top pages and return cited snippets."""

from __future__ import annotations

import asyncio
import html
import re
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field

from kyra.context import NodeContext
from kyra.errors import NodeError
from kyra.spec import CredentialRef, NodeSpec, Port, PortType
from kyra_nodes.web.search_providers import PROVIDERS

_TAGS = re.compile(r"<(script|style)[^>]*>.*?</\1>|<[^>]+>", re.S | re.I)
_SPACES = re.compile(r"\s+")


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str = Field(min_length=1, max_length=500, description="What to search for")
    max_results: int = Field(5, ge=1, le=20, description="Search results to keep")
    read_pages: int = Field(3, ge=0, le=10, description="Top results whose pages are read")
    excerpt_chars: int = Field(600, ge=100, le=5000, description="Longest excerpt per page")
    provider: str = Field("searxng", description="Search provider: searxng or brave")
    endpoint: str | None = Field(None, description="Provider base URL (SearXNG instance)")


SPEC = NodeSpec(
    type="Web.research",
    title="Web research",
    category="Cognitive",
    icon="research",
    description=(
        "Search the web for a query, read the top pages and return numbered sources with "
        "snippets and excerpts to cite; makes outbound HTTP requests, changes nothing."
    ),
    params=Params,
    inputs=[Port("in")],
    outputs=[Port("out", PortType.object, description="{query, sources: [{id, title, url, ...}]}")],
    credentials=[CredentialRef("search_api", required=False)],
    timeout_s=120,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    search = PROVIDERS.get(params.provider)
    if search is None:
        raise NodeError(f"unknown search provider {params.provider!r}; known: {sorted(PROVIDERS)}")
    config = {**await ctx.credential("search_api")}
    if params.endpoint:
        config["endpoint"] = params.endpoint
    try:
        results = await search(ctx.http, params.query, params.max_results, config)
    except (httpx.HTTPError, ValueError) as exc:
        raise NodeError(f"search failed: {exc}") from exc
    excerpts = await asyncio.gather(
        *(_excerpt(ctx.http, r["url"], params) for r in results[: params.read_pages])
    )
    sources = [
        {"id": i + 1, **r, "excerpt": excerpts[i] if i < len(excerpts) else None}
        for i, r in enumerate(results)
    ]
    citations = "\n".join(f"[{s['id']}] {s['title']} — {s['url']}" for s in sources)
    return {"out": {"query": params.query, "sources": sources, "citations": citations}}


async def _excerpt(http: httpx.AsyncClient, url: str, params: Params) -> str | None:
    """The page's text around the query's words, or None when it cannot be read."""
    try:
        response = await http.get(url, timeout=15)
        response.raise_for_status()
    except (httpx.HTTPError, NodeError):
        return None
    text = _SPACES.sub(" ", html.unescape(_TAGS.sub(" ", response.text))).strip()
    words = [w.lower() for w in re.findall(r"\w{4,}", params.query)]
    sentences = re.split(r"(?<=[.!?])\s+", text)
    relevant = [s for s in sentences if any(w in s.lower() for w in words)] or sentences
    return " ".join(relevant)[: params.excerpt_chars]
