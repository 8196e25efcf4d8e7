"""JSON scalar types: what JSON means by each type is accepted, lax conversions are refused."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, Field, ValidationError

from kyra.jsontypes import Flag, Integer, Number


class _Fields(BaseModel):
    count: Integer | None = Field(None, ge=1, le=100)
    ratio: Number | None = None
    on: Flag | None = None


@pytest.mark.parametrize(
    ("field", "value", "kept"),
    [
        ("count", 3, 3),
        ("count", 3.0, 3),
        ("ratio", 2, 2.0),
        ("ratio", 0.5, 0.5),
        ("on", True, True),
    ],
)
def test_json_values_of_the_type_are_taken(field: str, value: Any, kept: Any) -> None:
    parsed = getattr(_Fields.model_validate({field: value}), field)
    assert parsed == kept and type(parsed) is type(kept)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("count", True),
        ("count", "3"),
        ("count", 3.5),
        ("count", float("inf")),
        ("count", 200.0),
        ("ratio", "0.5"),
        ("ratio", False),
        ("on", 1),
        ("on", "yes"),
    ],
)
def test_other_values_are_refused_naming_the_field(field: str, value: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        _Fields.model_validate({field: value})
    assert refused.value.errors()[0]["loc"] == (field,)
