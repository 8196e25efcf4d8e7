"""Provider clients, one module each; :class:`~kyra.llm.factory.LLMClientFactory` imports them."""

#: Modules holding the built-in clients, imported (and so registered) on first factory use.
BUILTIN_MODULES = ("kyra.llm.clients.openai", "kyra.llm.clients.anthropic")
