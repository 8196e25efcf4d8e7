"""Fake news site serving an RSS 2.0 feed (``/rss.xml``) and an Atom 1.0 feed (``/atom.xml``).

Follows the RSS 2.0 specification (https://www.rssboard.org/rss-specification: ``channel`` with
``title``/``link``/``description`` and ``item``s with ``guid``, ``pubDate`` in RFC 822, repeated
``category``) and RFC 4287 for Atom (``feed``/``entry`` with ``id``, ``updated``, ``link
rel=alternate``), each with its registered media type. Items are newest first, as publishers
write them. Every request is recorded (the Accept header RSS.read sends can be checked).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape

from tests.fakes.server import FakeServer, Recorded, Reply, Response


@dataclass(frozen=True)
class Entry:
    guid: str
    title: str
    published: datetime
    summary: str
    categories: tuple[str, ...] = field(default_factory=tuple)


#: What the fake site publishes unless a test sets :attr:`FakeFeed.entries`.
NEWS = (
    Entry("news-4", "Python 3.14 released", datetime.fromisoformat("2026-10-07T14:00:00+00:00"),
          "Free-threaded builds are supported.", ("python", "release")),
    Entry("news-3", "Ñandú: a café for birds", datetime.fromisoformat("2026-10-05T09:30:00+02:00"),
          "Unicode stays intact.", ("misc",)),
    Entry("news-2", "PostgreSQL 18 is out", datetime.fromisoformat("2026-09-25T12:00:00+00:00"),
          "Asynchronous I/O arrives.", ("databases", "release")),
    Entry("news-1", "Python packaging survey", datetime.fromisoformat("2026-09-01T08:00:00+00:00"),
          "Tell the PSF what hurts.", ("python",)),
)  # fmt: skip


class FakeFeed(FakeServer):
    """The feeds of one fake site; ``title`` and ``entries`` may be changed between requests."""

    def __init__(self, title: str = "Kyra Test News", entries: tuple[Entry, ...] = NEWS) -> None:
        super().__init__()
        self.title = title
        self.entries = entries

    def respond(self, recorded: Recorded, reply: Reply) -> Response:
        if recorded.method != "GET":
            return Response(405, content=b"Method Not Allowed", headers={"allow": "GET"})
        if recorded.path == "/rss.xml":
            return self._xml("application/rss+xml", self.rss())
        if recorded.path == "/atom.xml":
            return self._xml("application/atom+xml", self.atom())
        return Response(404, content=b"Not Found", headers={"content-type": "text/plain"})

    def rss(self) -> str:
        items = "".join(
            f"<item><title>{escape(e.title)}</title><link>{self.url}/{e.guid}</link>"
            f'<guid isPermaLink="false">{e.guid}</guid>'
            f"<pubDate>{format_datetime(e.published)}</pubDate>"
            f"<description>{escape(e.summary)}</description>"
            + "".join(f"<category>{escape(c)}</category>" for c in e.categories)
            + "</item>"
            for e in self.entries
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>{escape(self.title)}</title><link>{self.url}/</link>"
            f"<description>News for tests</description>{items}</channel></rss>"
        )

    def atom(self) -> str:
        entries = "".join(
            f"<entry><id>urn:kyra:{e.guid}</id><title>{escape(e.title)}</title>"
            f'<link rel="alternate" href="{self.url}/{e.guid}"/>'
            f"<updated>{e.published.isoformat()}</updated>"
            f"<summary>{escape(e.summary)}</summary>"
            + "".join(f'<category term="{escape(c)}"/>' for c in e.categories)
            + "</entry>"
            for e in self.entries
        )
        updated = max((e.published for e in self.entries), default=None)
        return (
            '<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<id>urn:kyra:feed</id><title>{escape(self.title)}</title>"
            f'<link rel="alternate" href="{self.url}/"/>'
            f"<updated>{updated.isoformat() if updated else ''}</updated>{entries}</feed>"
        )

    @staticmethod
    def _xml(media_type: str, text: str) -> Response:
        return Response(200, content=text.encode(), headers={"content-type": media_type})
