"""AI handlers: model calls through the run's LLM service (``ctx.llm``)."""
