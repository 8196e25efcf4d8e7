"""Health, identity and the web app's static files."""

from __future__ import annotations

import asyncio
import dataclasses
import mimetypes
from pathlib import Path
from typing import Any

from litestar import Controller, Response, get
from litestar.response import File
from sqlalchemy import text

from kyra.api.auth import Principal
from kyra.engine.services import EngineServices
from kyra.errors import UnavailableError
from kyra.infra.supervision import read_supervision

#: Where the built web app lives (``npm run build`` in frontend/).
WEB_DIR = Path(__file__).resolve().parents[3] / "frontend" / "dist"
#: Sent with every file of the web app: scripts only from this origin (no inline script, no
#: eval), nothing embeds the app, and markup that slips into the page cannot run.
WEB_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


class SystemController(Controller):
    tags = ["system"]

    @get("/health", opt={"public": True})
    async def health(self, services: EngineServices) -> Response[dict[str, Any]]:
        import redis.asyncio as aioredis

        from kyra.sandbox import probed_backend

        timeout = services.settings.redis_timeout_seconds
        status = {"status": "ok", "database": "ok", "redis": "ok"}
        # Not part of the verdict: a host without a sandbox serves everything but code nodes.
        status["code_sandbox"] = probed_backend(services.settings.code_sandbox)
        try:
            async with services.session_factory() as session:
                await asyncio.wait_for(session.execute(text("SELECT 1")), timeout)
        except Exception:
            status["database"] = status["status"] = "unavailable"
        client = aioredis.Redis.from_url(
            services.settings.redis_url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        try:
            await client.ping()
        except Exception:
            status["redis"] = status["status"] = "unavailable"
        finally:
            await client.aclose()
        body: dict[str, Any] = dict(status)
        supervised = _supervised_processes(services.settings.data_dir)
        if supervised is not None:
            # Under `kyra up`: say which processes are down (a crashing worker does not make
            # this API unavailable, so the status code stays about the database and Redis).
            body["processes"] = supervised
        return Response(body, status_code=200 if status["status"] == "ok" else 503)

    @get("/api/queue")
    async def queue(self, services: EngineServices) -> dict[str, Any]:
        """The queue's backlog: messages waiting, delayed and dead-lettered, the oldest
        waiting message's age, and the backlog limit beyond which queue runs are refused."""
        if services.dispatcher is None:
            raise UnavailableError("this process has no queue")
        return dataclasses.asdict(await services.dispatcher.stats())

    @get("/api/me")
    async def me(self, principal: Principal) -> dict[str, Any]:
        return {
            "user_id": str(principal.user_id),
            "name": principal.name,
            "is_admin": principal.is_admin,
        }


def _supervised_processes(data_dir: Path) -> dict[str, str] | None:
    supervision = read_supervision(data_dir)
    if supervision is None:
        return None
    return {name: process.state for name, process in supervision.processes.items()}


class WebController(Controller):
    """Serves the single-page app: real files when they exist, else index.html."""

    tags = ["web"]
    include_in_schema = False

    @get(["/", "/{path:path}"], opt={"public": True})
    async def web(self, path: str = "") -> Any:
        if path.lstrip("/").split("/")[0] in ("api", "hooks"):
            return Response({"status_code": 404, "detail": f"no route {path}"}, status_code=404)
        root = WEB_DIR.resolve()
        target = (root / path.lstrip("/")).resolve()
        if path and target.is_file() and target.is_relative_to(root):
            media_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            return File(
                target, media_type=media_type, content_disposition_type="inline",
                headers=WEB_HEADERS,
            )  # fmt: skip
        index = root / "index.html"
        if not index.is_file():
            return Response(
                {"status_code": 404, "detail": "web app not built: run `make install`"},
                status_code=404,
            )
        return File(
            index, media_type="text/html", content_disposition_type="inline", headers=WEB_HEADERS
        )
