"""The in-memory runs and node runs keep their declarations in step with their tables."""

from __future__ import annotations

import uuid

import pytest

from kyra.db.models import NodeRun, NodeRunRow, Run, RunRow, table_of


@pytest.mark.parametrize(("row", "model"), [(NodeRunRow, NodeRun), (RunRow, Run)])
def test_an_unstored_row_declares_exactly_the_columns_of_its_table(row: type, model: type) -> None:
    # Given the table's columns, I expect the row's values and typed attributes to be the same.
    columns = {column.key for column in table_of(model).columns}
    declared = {name for cls in row.__mro__ for name in vars(cls).get("__annotations__", {})}
    declared |= {name for cls in row.__mro__ for name, v in vars(cls).items()
                 if isinstance(v, property)}  # fmt: skip
    assert set(row().as_row()) == columns
    assert declared - {"_defaults"} == columns


def test_a_value_for_no_column_is_refused() -> None:
    with pytest.raises(TypeError, match="outputs"):
        NodeRunRow(node_id="a", outputs={})


def test_a_row_draws_its_id_once_when_first_read_and_keeps_one_given() -> None:
    row = NodeRunRow(node_id="a")
    assert row.__dict__["id"] is None  # not drawn while nobody reads it
    assert row.id == row.id == row.as_row()["id"]
    given = NodeRunRow(node_id="b", id=row.id)
    assert given.id == row.id
    given.id = uuid.uuid4()
    assert given.as_row()["id"] == given.id != row.id
