"""What a channel deployment sends back for a run's output."""

from __future__ import annotations

from typing import Any

import pytest

from kyra.channels.replies import reply_text


@pytest.mark.parametrize(
    ("output", "path", "expected"),
    [
        ({"agent": {"answer": "42", "steps": 3}}, "agent.answer", "42"),
        ({"reply": "Hi Ada"}, "", "Hi Ada"),  # one final node stands for itself
        ({"a": {"n": 1}, "b": "x"}, "", '{\n  "a": {\n    "n": 1\n  },\n  "b": "x"\n}'),
        ({"list": {"items": ["first", "second"]}}, "list.items.1", "second"),
        ({"calc": {"total": 12.5}}, "calc.total", "12.5"),
        ({"calc": {"total": 12.5}}, "calc.missing", None),
        ({"calc": {"items": []}}, "calc.items.3", None),
        ({"calc": ""}, "", None),
        (None, "", None),
    ],
)
def test_the_reply_is_the_text_at_the_path_or_the_whole_output(
    output: Any, path: str, expected: str | None
) -> None:
    assert reply_text(output, path) == expected
