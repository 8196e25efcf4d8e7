"""Read an RSS or Atom feed through the SSRF-guarded client and output its entries."""

from __future__ import annotations

import calendar
import time
from datetime import UTC, datetime
from typing import Any

import feedparser
import httpx
from pydantic import BaseModel, ConfigDict, Field

from kyra.context import NodeContext
from kyra.errors import NodeError
from kyra.spec import NodeSpec, Port, PortType

#: Largest feed read, in bytes.
MAX_FEED_BYTES = 10 * 1024 * 1024
_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5"


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(description="Feed URL (RSS 0.9x/1.0/2.0 or Atom)")
    max_items: int = Field(50, ge=1, le=1000, description="Newest first is the feed's order")
    timeout_s: float = Field(30, gt=0, le=120, description="Timeout, seconds")


SPEC = NodeSpec(
    type="RSS.read",
    title="Read RSS feed",
    category="Web",
    icon="rss",
    description=(
        "Fetch an RSS or Atom feed and output its entries as items {id, title, link, published, "
        "updated, author, summary, content, categories, enclosures} (dates in UTC ISO 8601), "
        "plus the feed's own title and link on `feed`."
    ),
    params=Params,
    inputs=[Port("in")],
    outputs=[
        Port("out", PortType.list, description="Entries"),
        Port("feed", PortType.object, description="{title, link, description, updated}"),
    ],
    timeout_s=150,
    retries=1,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    content, content_type = await _fetch(ctx.http, params)
    parsed = feedparser.parse(content, response_headers={"content-type": content_type})
    if parsed.bozo and not parsed.entries:
        problem = parsed.get("bozo_exception", "not a feed")
        raise NodeError(f"{params.url} is not an RSS or Atom feed: {problem}")
    feed = parsed.feed
    return {
        "out": [_entry(entry) for entry in parsed.entries[: params.max_items]],
        "feed": {
            "title": feed.get("title"),
            "link": feed.get("link"),
            "description": feed.get("subtitle"),
            "updated": _iso(feed.get("updated_parsed")),
        },
    }


async def _fetch(client: httpx.AsyncClient, params: Params) -> tuple[bytes, str]:
    try:
        headers = {"Accept": _ACCEPT}
        async with client.stream(
            "GET", params.url, headers=headers, timeout=params.timeout_s
        ) as response:
            if not response.is_success:
                error = NodeError(f"HTTP {response.status_code} from {params.url}")
                error.retryable = response.status_code >= 500 or response.status_code == 429
                raise error
            content = bytearray()
            async for chunk in response.aiter_bytes():
                content += chunk
                if len(content) > MAX_FEED_BYTES:
                    raise NodeError(f"feed is larger than {MAX_FEED_BYTES} bytes")
            return bytes(content), response.headers.get("content-type", "")
    except httpx.InvalidURL as exc:
        raise NodeError(f"Invalid URL: {exc}") from None
    except httpx.HTTPError as exc:
        raise NodeError(f"GET {params.url} failed: {exc}") from None


def _entry(entry: Any) -> dict[str, Any]:
    content = entry.get("content") or []
    return {
        "id": entry.get("id") or entry.get("link"),
        "title": entry.get("title"),
        "link": entry.get("link"),
        "published": _iso(entry.get("published_parsed")),
        "updated": _iso(entry.get("updated_parsed")),
        "author": entry.get("author"),
        "summary": entry.get("summary"),
        "content": content[0].get("value") if content else None,
        "categories": [tag.get("term") for tag in entry.get("tags") or [] if tag.get("term")],
        "enclosures": [
            {"url": e.get("href"), "type": e.get("type"), "length": _int(e.get("length"))}
            for e in entry.get("enclosures") or []
        ],
    }


def _iso(parsed: time.struct_time | None) -> str | None:
    if parsed is None:
        return None
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC).isoformat()


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
