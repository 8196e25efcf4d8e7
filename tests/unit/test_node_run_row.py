"""The in-memory node run keeps its type declarations in step with the ``node_runs`` table."""

from __future__ import annotations

import pytest

from kyra.db.models import NodeRun, NodeRunRow, table_of


def test_a_node_run_row_declares_exactly_the_columns_of_node_runs() -> None:
    # Given the table's columns, I expect the row's values and typed attributes to be the same.
    columns = {column.key for column in table_of(NodeRun).columns}
    assert set(NodeRunRow(node_id="a", node_type="Core.set").as_row()) == columns
    assert set(NodeRunRow.__annotations__) == columns


def test_a_value_for_no_column_is_refused() -> None:
    with pytest.raises(TypeError, match="outputs"):
        NodeRunRow(node_id="a", outputs={})
