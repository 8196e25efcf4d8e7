"""``create_app(settings)``: the Litestar application with every route, auth and error handler."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar, Response
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.plugins.pydantic import PydanticInitPlugin
from litestar.routes import HTTPRoute
from litestar.types import Scope

from kyra import __version__
from kyra.api.auth import PUBLIC_PATTERNS, ApiKeyMiddleware
from kyra.api.bodies import KyraRequest
from kyra.api.channels import ChannelController
from kyra.api.credentials import CredentialController
from kyra.api.deps import provide_db_session, provide_principal, provide_services
from kyra.api.editor import EditorController
from kyra.api.errors import EXCEPTION_HANDLERS
from kyra.api.files import FileController
from kyra.api.graphs import GraphController
from kyra.api.hooks import HookController
from kyra.api.nodes import NodesController
from kyra.api.oauth import OAuthController
from kyra.api.oidc import OidcController
from kyra.api.openapi import OpenAPIJson, OpenAPISwagger
from kyra.api.operations import OperationsController
from kyra.api.runs import RunController
from kyra.api.system import SystemController, WebController
from kyra.api.triggers import TriggerController, TriggerListController
from kyra.api.users import KeyController, UserController
from kyra.engine.services import EngineServices
from kyra.observability.asgi import observe_requests
from kyra.observability.logs import configure_logging
from kyra.settings import Settings, get_settings


def _optional_routes() -> list[Any]:
    """Controllers of layers that may not be installed (each module exports ``ROUTES``)."""
    import importlib

    routes: list[Any] = []
    modules = ("kyra.api.llm", "kyra.api.analytics", "kyra.api.agents", "kyra.api.agent_runs",
               "kyra.api.memory", "kyra.api.agent_hooks")  # fmt: skip
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        routes.extend(module.ROUTES)
    return routes


def create_app(
    settings: Settings | None = None, *, services: EngineServices | None = None
) -> Litestar:
    """Build the application; engine services are created at start-up unless given."""
    settings = settings or get_settings()
    configure_logging(settings)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncGenerator[None, None]:
        if services is not None:  # owned by the caller
            yield
            return
        from kyra.wiring import build_services, freeze_start_up_heap

        app.state.services = build_services(settings)
        freeze_start_up_heap()
        try:
            yield
        finally:
            await app.state.services.close()

    app = Litestar(
        route_handlers=[
            SystemController,
            OperationsController,
            UserController,
            KeyController,
            NodesController,
            GraphController,
            RunController,
            EditorController,
            HookController,
            TriggerController,
            TriggerListController,
            ChannelController,
            CredentialController,
            FileController,
            OAuthController,
            OidcController,
            *_optional_routes(),
            WebController,
        ],
        dependencies={
            "db_session": Provide(provide_db_session),
            "principal": Provide(provide_principal, sync_to_thread=False),
            "services": Provide(provide_services, sync_to_thread=False),
        },
        middleware=[
            observe_requests,
            DefineMiddleware(
                ApiKeyMiddleware, exclude_from_auth_key="public", exclude=list(PUBLIC_PATTERNS)
            ),
        ],
        exception_handlers=EXCEPTION_HANDLERS,
        # Response models write their aliases (a file reference's "$file").
        plugins=[PydanticInitPlugin(prefer_alias=True)],
        lifespan=[lifespan],
        state=State({"settings": settings, "services": services}),
        request_max_body_size=settings.max_request_bytes,
        request_class=KyraRequest,
        openapi_config=OpenAPIConfig(
            title="Kyra Flow",
            version=__version__,
            path="/schema",
            render_plugins=[OpenAPISwagger(), OpenAPIJson()],
        ),
        debug=False,
    )
    _options_allow_every_method(app)
    return app


def _options_allow_every_method(app: Litestar) -> None:
    """Make ``OPTIONS`` list every method of its path.

    Litestar 2.25 builds a path's automatic OPTIONS handler before all of the path's handlers
    are merged into one route, so its ``Allow`` misses some of them.
    """
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        allow = ", ".join(sorted(route.methods))
        for handler in route.route_handlers:
            if handler.http_methods == {"OPTIONS"} and handler.fn.__name__ == "options_handler":
                # No public setter; the handler is sync and called as is.
                handler._fn = _options_handler(allow)


def _options_handler(allow: str) -> Any:
    def options_handler(scope: Scope) -> Response[None]:
        return Response(None, status_code=204, headers={"Allow": allow}, media_type="text/plain")

    return options_handler
