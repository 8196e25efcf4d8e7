"""Application services that bind the pure layers (llm, memory) to the database."""
