"""The offline model of the local-embeddings extra: 384 dimensions, no network, sensible."""

from __future__ import annotations

import math

from kyra.memory.embeddings.local import LocalModel, default_threads


def _cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def test_the_local_model_embeds_offline_with_few_threads() -> None:
    model = LocalModel(threads=default_threads())
    tea, coffee, invoice = model.encode([
        "The user prefers green tea in the morning.",
        "In the morning the user likes to drink coffee.",
        "Invoice 4411 was paid late.",
    ])  # fmt: skip

    assert len(tea) == 384 and math.isclose(_cosine(tea, tea), 1.0, rel_tol=1e-4)
    assert _cosine(tea, coffee) > _cosine(tea, invoice)
    import torch

    assert torch.get_num_threads() == default_threads() and not torch.cuda.is_available()
    assert torch.__version__.endswith("+cpu")
