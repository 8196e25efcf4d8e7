"""docs/API.md names every route the application serves (an undocumented route fails here)."""

from __future__ import annotations

import re
from pathlib import Path

from kyra.api.app import create_app

DOC = Path(__file__).resolve().parents[2] / "docs" / "API.md"
#: Served but not part of the API: the web app's catch-all and the OpenAPI UI's own files.
NOT_API = {"/{}", "/schema/{}", "/schema/oauth2-redirect.html"}


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path.split("?")[0])


def test_every_route_is_in_the_api_document() -> None:
    documented = {
        _shape(p) for p in re.findall(r"(/[A-Za-z0-9_./{}:-]*(?:\{[^}]*\})?)", DOC.read_text())
    }
    documented |= {
        _shape(p) for p in re.findall(r"`[A-Z|]+ (/[^`\s]*(?: or name\})?[^`\s]*)", DOC.read_text())
    }
    missing = []
    for route in create_app().routes:
        methods = set().union(*(h.http_methods for h in route.route_handlers)) - {"OPTIONS", "HEAD"}
        if methods and _shape(route.path) not in documented | NOT_API:
            missing.append(f"{sorted(methods)} {route.path}")
    assert missing == []
