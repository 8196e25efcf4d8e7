"""docs/API.md names every route the application serves, method by method (an undocumented
route or method fails here)."""

from __future__ import annotations

import re
from pathlib import Path

from kyra.api.app import create_app

DOC = Path(__file__).resolve().parents[2] / "docs" / "API.md"
#: Served but not part of the API: the web app's catch-all and the OpenAPI UI's own files.
NOT_API = {"/{}", "/schema/{}", "/schema/oauth2-redirect.html"}
#: "`GET|PATCH /api/agents/{id or name}`": methods, then a path whose parameters may hold spaces.
ROUTE = re.compile(r"`([A-Z]+(?:\|[A-Z]+)*) (/(?:[^`\s{?]|\{[^}]*\})*)")


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


def documented() -> set[tuple[str, str]]:
    return {
        (method, _shape(found.group(2)))
        for found in ROUTE.finditer(DOC.read_text())
        for method in found.group(1).split("|")
    }


def test_every_route_and_method_is_in_the_api_document() -> None:
    named = documented()
    missing = []
    for route in create_app().routes:
        if _shape(route.path) in NOT_API:
            continue
        methods = set().union(*(h.http_methods for h in route.route_handlers)) - {"OPTIONS", "HEAD"}
        missing += [
            f"{m} {route.path}" for m in sorted(methods) if (m, _shape(route.path)) not in named
        ]
    assert missing == []
