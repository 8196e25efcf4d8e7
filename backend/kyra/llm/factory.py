"""LLMClientFactory: clients register themselves with a decorator and are chosen by model key.

The built-in OpenAI and Anthropic clients register on first use; third
parties decorate their own class with ``@LLMClientFactory.register``.
"""

from __future__ import annotations

import importlib
from typing import ClassVar

from kyra.llm.clients import BUILTIN_MODULES
from kyra.llm.clients.base import ClientConfig, LLMClient
from kyra.llm.errors import ModelNotFoundError


class LLMClientFactory:
    """Registry of client classes by provider kind, in registration order."""

    _clients: ClassVar[dict[str, type[LLMClient]]] = {}
    _builtins_loaded: ClassVar[bool] = False

    @classmethod
    def register(cls, client: type[LLMClient]) -> type[LLMClient]:
        """Class decorator: register ``client`` for each of its ``provider_keys``."""
        for key in client.provider_keys:
            known = cls._clients.get(key)
            if known is not None and known is not client:
                raise ValueError(
                    f"Provider kind {key!r} is already served by {known.__qualname__}."
                )
            cls._clients[key] = client
        return client

    @classmethod
    def kinds(cls) -> list[str]:
        """Registered provider kinds."""
        cls._load_builtins()
        return list(cls._clients)

    @classmethod
    def client_class(
        cls, *, provider_kind: str | None = None, model: str | None = None
    ) -> type[LLMClient]:
        """The client for a provider kind, or else the first that can handle ``model``."""
        cls._load_builtins()
        if provider_kind is not None:
            if provider_kind not in cls._clients:
                raise ModelNotFoundError(f"unknown provider kind {provider_kind!r}")
            return cls._clients[provider_kind]
        for client in cls._clients.values():
            if model is not None and client.can_handle_model(model):
                return client
        raise ModelNotFoundError(f"no client can handle model {model!r}")

    @classmethod
    def create(
        cls, config: ClientConfig, *, provider_kind: str | None = None, model: str | None = None
    ) -> LLMClient:
        """Build a client for ``provider_kind`` (or the one that handles ``model``)."""
        return cls.client_class(provider_kind=provider_kind, model=model)(config)

    @classmethod
    def _load_builtins(cls) -> None:
        if not cls._builtins_loaded:
            for module in BUILTIN_MODULES:
                importlib.import_module(module)
            cls._builtins_loaded = True
