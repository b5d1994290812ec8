"""The stacks one test run holds at once never share a port: the workers' stacks
(`tests/conftest.py`: offset + N * WORKER_PORT_STRIDE) and the private stacks test modules
start (`tests/stack.py` PRIVATE_STACK_OFFSETS). Two stacks sharing one port fail as K002 only
when their modules happen to run at the same time, on different workers."""

from __future__ import annotations

import itertools

from tests.postgres_helpers import PG_PORT
from tests.stack import PRIVATE_STACK_OFFSETS, WORKER_PORT_STRIDE, stack_ports

WORKERS = 4  # more than scripts/test starts
EPHEMERAL_FIRST = 32768  # Linux's default ip_local_port_range starts here


def _stacks() -> dict[str, set[int]]:
    base = PG_PORT - 55432  # this run's offset
    stacks = {}
    for n in range(WORKERS):
        offset = base + n * WORKER_PORT_STRIDE
        stacks[f"gw{n}"] = stack_ports(offset) | {55432 + offset}
    for module, offset in PRIVATE_STACK_OFFSETS.items():
        stacks[module] = stack_ports(offset)
    return stacks


def test_no_two_stacks_of_a_run_share_a_port() -> None:
    shared = {
        (a, b): sorted(pa & pb)
        for (a, pa), (b, pb) in itertools.combinations(_stacks().items(), 2)
        if pa & pb
    }
    assert shared == {}


def test_a_private_stack_listens_below_the_ephemeral_range() -> None:
    high = {m: max(stack_ports(o)) for m, o in PRIVATE_STACK_OFFSETS.items()}
    assert all(port < EPHEMERAL_FIRST for port in high.values()), high


def test_offsets_a_thousand_apart_would_collide() -> None:
    """The check itself: the offsets the suite used before (20000 and 21000) share ports."""
    assert stack_ports(20000) & stack_ports(21000) == {
        29092
    }  # Kafka of one, registry management of the other
