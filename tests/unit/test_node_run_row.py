"""The in-memory node run keeps its type declarations in step with the ``node_runs`` table."""

from __future__ import annotations

from kyra.db.models import NodeRun, NodeRunRow, table_of


def test_a_node_run_row_declares_exactly_the_columns_of_node_runs() -> None:
    # Given the table's columns, I expect the row's slots and typed attributes to be the same.
    columns = {column.key for column in table_of(NodeRun).columns}
    assert set(NodeRunRow.__slots__) == columns
    assert set(NodeRunRow.__annotations__) == columns
