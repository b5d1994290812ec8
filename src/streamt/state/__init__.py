"""The state room: live state observed through the adapters, and the deployment ledger.

In: a `DesiredState`, the `Systems` (adapters) of an environment.
Out: `LiveState` (one listing call per system) and the `Ledger` read from its compacted topic;
`LedgerWriter` / `ApplyLock` for apply. Value types live in `streamt.plan` (pure).
"""

from streamt.state.ledger import ApplyLock, LedgerWriter, read_ledger
from streamt.state.ledger_store import (
    DEFAULT_TOPIC,
    KafkaLedgerStore,
    LedgerStore,
    MemoryLedgerStore,
)
from streamt.state.observe import observe
from streamt.state.systems import Systems, systems_for, systems_from_runtime

__all__ = [
    "DEFAULT_TOPIC",
    "ApplyLock",
    "KafkaLedgerStore",
    "LedgerStore",
    "LedgerWriter",
    "MemoryLedgerStore",
    "Systems",
    "observe",
    "read_ledger",
    "systems_for",
    "systems_from_runtime",
]
