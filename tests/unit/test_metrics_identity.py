"""Metric files are named per process: a forked child must not write into its parent's."""

from __future__ import annotations

import os
import socket

from kyra.observability.metrics import process_identifier


def test_a_forked_child_gets_its_own_identifier() -> None:
    parent = process_identifier()
    assert parent == f"{socket.gethostname().replace('_', '-')}-{os.getpid()}"
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the child reports its identifier and its pid, then leaves at once
        os.write(write, f"{process_identifier()} {os.getpid()}".encode())
        os._exit(0)
    os.close(write)
    identifier, pid = os.read(read, 200).decode().split()
    os.waitpid(child, 0)
    os.close(read)
    assert identifier.endswith(f"-{pid}") and identifier != parent
    assert process_identifier() == parent
