"""Check that a provider answers with its key: list its models through the official SDK.

Listing models costs nothing and needs the same key and base URL as a chat call, so it is what
"Test provider" runs (as n8n's credential tests call ``/v1/models``).
"""

from __future__ import annotations

from kyra.llm.clients.base import ClientConfig
from kyra.llm.errors import ProviderError


async def provider_models(kind: str, config: ClientConfig) -> list[str]:
    """The model ids ``kind`` serves at ``config``; raises ProviderError when it refuses."""
    # Imported here: the two SDKs are 3,700 modules (about 80 MB and 3 s) that the API needs
    # only when someone tests a provider; agents' model calls import their own client.
    import anthropic
    import openai

    try:
        if kind == "anthropic":
            async with anthropic.AsyncAnthropic(
                api_key=config.api_key or None, base_url=config.base_url or None,
                max_retries=0, timeout=config.timeout_s,
            ) as claude:  # fmt: skip
                return [m.id async for m in claude.models.list()]
        async with openai.AsyncOpenAI(
            api_key=config.api_key or "not-needed", base_url=config.base_url or None,
            max_retries=0, timeout=config.timeout_s,
        ) as client:  # fmt: skip
            return [m.id async for m in client.models.list()]
    except (openai.OpenAIError, anthropic.AnthropicError) as exc:
        status = getattr(exc, "status_code", None)
        raise ProviderError(f"{kind} refused: {exc}", status=status, provider=kind) from None
    except Exception as exc:
        # The SDKs refuse some configurations before any request: no key, a key an HTTP header
        # cannot carry (non-ASCII), a base URL whose host no DNS name can have. That is the
        # test's answer, not a server error.
        message = (
            f"{kind} cannot be called as configured ({type(exc).__name__}: {exc}); "
            "check the provider's base URL, and paste its API key again"
        )
        raise ProviderError(message, status=None, provider=kind) from None
