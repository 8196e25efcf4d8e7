"""The LLM layer: provider clients, format conversion, pricing, selection and recommendation.

Pure: it knows nothing of the engine or the database; ``kyra.services.llm`` binds it to both.
"""
