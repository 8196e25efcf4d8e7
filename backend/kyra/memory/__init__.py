"""Agent memory: session windows, long-term memories on pgvector, embeddings.

``schema`` validates ``ai_agents.memory_schema``; ``backends`` registers the short-term
(``buffer``, ``redis``, ``postgres``) and long-term (``postgres``) backends; ``embeddings``
puts the local model and LLM providers behind one cached interface; ``manager`` is the facade
the agent loop, the memory handlers (through ``ctx.memory``, see ``access``) and the API use.
"""
