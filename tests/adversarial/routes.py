"""The app's own route table, as the adversarial tests walk it (no hand-kept list to drift)."""

from __future__ import annotations

import inspect
import re
import uuid
from dataclasses import dataclass
from typing import Any

from litestar import Litestar

#: Values that fill path parameters by their declared type.
_FILLERS = {"uuid": lambda: str(uuid.uuid4()), "int": lambda: "1", "str": lambda: "x"}
_PARAM = re.compile(r"{(\w+):(\w+)}")


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    public: bool
    takes_body: bool

    def url(self, **values: str) -> str:
        """The path with parameters filled from ``values``, else by type."""

        def fill(match: re.Match[str]) -> str:
            name, kind = match.groups()
            return values.get(name) or _FILLERS.get(kind, lambda: "x")()

        return _PARAM.sub(fill, self.path)


def endpoints(app: Litestar) -> list[Endpoint]:
    """Every (method, path) the app serves, OPTIONS included, with its public flag."""
    found = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            takes_body = "data" in inspect.signature(handler.fn).parameters
            for method in sorted(handler.http_methods):
                public = bool(handler.opt.get("public")) or route.path.startswith("/schema")
                found.append(Endpoint(method, route.path, public, takes_body))
    return found


def body_endpoints(app: Litestar) -> list[Endpoint]:
    """Every route that decodes a request body, the raw-body ingress routes included."""
    ingress = ("/hooks/", "/channels/")
    return [
        e
        for e in endpoints(app)
        if e.method in ("POST", "PUT", "PATCH") and (e.takes_body or e.path.startswith(ingress))
    ]


def app_for(services: Any) -> Litestar:
    from kyra.api.app import create_app

    return create_app(services.settings, services=services)
