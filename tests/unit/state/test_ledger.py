"""Ledger read/write semantics and the apply lock (on the in-memory store)."""

from __future__ import annotations

import json

import pytest

from streamt.diagnostics import StreamtError
from streamt.resources import LedgerEntry, ResourceKind
from streamt.state import ApplyLock, LedgerWriter, MemoryLedgerStore, read_ledger


def _entry(name: str, project: str = "p", env: str = "dev") -> LedgerEntry:
    return LedgerEntry(project=project, environment=env, kind=ResourceKind.TOPIC, name=name)


def test_last_value_per_key_wins_tombstones_forget_and_projects_are_isolated():
    store = MemoryLedgerStore()
    writer = LedgerWriter(store, "p", "dev")
    writer.put(_entry("a"))
    writer.put(_entry("b").model_copy(update={"owned": False}))
    writer.put(_entry("b"))
    writer.forget(ResourceKind.TOPIC, "a")
    LedgerWriter(store, "p", "prod").put(_entry("a", env="prod"))
    LedgerWriter(store, "p2", "dev").put(_entry("z", project="p2"))
    ledger = read_ledger(store, "p", "dev")
    assert [(e.name, e.owned) for e in ledger.entries] == [("b", True)]
    assert ledger.get(ResourceKind.TOPIC, "b") is not None
    assert [e.name for e in read_ledger(store, "p", "prod").entries] == ["a"]
    assert read_ledger(store, "p", "dev").fingerprint() == ledger.fingerprint()


def test_second_concurrent_apply_is_refused_with_who_holds_the_lock():
    store = MemoryLedgerStore()
    first = ApplyLock(store, "p", "dev")
    first.acquire()
    second = ApplyLock(store, "p", "dev")
    with pytest.raises(StreamtError) as err:
        second.acquire()
    diag = err.value.diagnostics[0]
    assert (
        diag.code == "A001"
        and "another apply is running on project 'p', environment 'dev'" in diag.message
    )
    assert "expires at" in diag.hint
    ApplyLock(store, "p", "prod").acquire()  # other environment: independent
    first.release()
    second.acquire()
    second.release()
    assert read_ledger(store, "p", "dev").entries == []  # lock records never look like entries


def test_racing_claims_agree_on_the_first_written():
    store = MemoryLedgerStore()
    a, b = ApplyLock(store, "p", "dev"), ApplyLock(store, "p", "dev")
    store.write([(a.key, a._claim_value()), (b.key, b._claim_value())])  # both wrote before reading
    assert [c.owner for c in a.claims()] == [a.owner, b.owner]
    with pytest.raises(StreamtError):
        b.acquire()  # b re-writes its claim, still behind a's first offset
    a.refresh()
    assert a.claims()[0].owner == a.owner


def test_stale_lock_expires():
    store = MemoryLedgerStore()
    clock = [1_000_000]
    crashed = ApplyLock(store, "p", "dev", ttl_s=60, clock=lambda: clock[0])
    crashed.acquire()
    clock[0] += 59_000
    with pytest.raises(StreamtError):
        ApplyLock(store, "p", "dev", ttl_s=60, clock=lambda: clock[0]).acquire()
    clock[0] += 2_000
    successor = ApplyLock(store, "p", "dev", ttl_s=60, clock=lambda: clock[0])
    successor.acquire()
    assert [c.owner for c in successor.claims()] == [successor.owner]


def test_default_lock_outlives_a_long_apply_and_then_expires():
    """A live apply keeps its lock for 15 minutes by default (an upgrade through a savepoint
    can take minutes); a crashed one frees it after that."""
    store = MemoryLedgerStore()
    clock = [1_000_000]
    first = ApplyLock(store, "p", "dev", clock=lambda: clock[0])
    first.acquire()
    clock[0] += 14 * 60 * 1000
    with pytest.raises(StreamtError):
        ApplyLock(store, "p", "dev", clock=lambda: clock[0]).acquire()
    clock[0] += 2 * 60 * 1000
    ApplyLock(store, "p", "dev", clock=lambda: clock[0]).acquire()


def test_claim_of_a_dead_process_on_this_host_is_stale():
    import json
    import socket
    import subprocess
    import sys

    store = MemoryLedgerStore()
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    claim = {
        "owner": "killed",
        "host": socket.gethostname(),
        "pid": child.pid,
        "acquired_at_ms": 1,
        "expires_at_ms": 10**15,
    }
    store.write([("p/dev/_lock/killed", json.dumps(claim).encode())])
    successor = ApplyLock(store, "p", "dev")
    successor.acquire()
    assert [c.owner for c in successor.claims()] == [successor.owner]


def _with_unknown_field(entry: LedgerEntry) -> bytes:
    """The entry as a newer streamt would write it: one field this version does not know."""
    raw = json.loads(entry.model_dump_json())
    raw["spec_from_the_future"] = {"statement": "SELECT 1"}
    return json.dumps(raw).encode()


def test_another_projects_entry_from_a_newer_streamt_still_names_its_owner_and_breaks_nothing():
    store = MemoryLedgerStore()
    LedgerWriter(store, "p", "dev").put(_entry("mine"))
    newer = _entry("theirs", project="q")
    store.write([(newer.key, _with_unknown_field(newer))])
    not_owned = _entry("adopted", project="q").model_copy(update={"owned": False})
    store.write([(not_owned.key, _with_unknown_field(not_owned))])
    store.write([("q/dev/topic/garbage", b"not json")])
    ledger = read_ledger(store, "p", "dev")
    assert [e.name for e in ledger.entries] == ["mine"]
    assert ledger.owners == {(ResourceKind.TOPIC, "theirs"): "q/dev"}


def test_this_projects_unreadable_entry_is_a_clear_refusal_not_a_crash():
    store = MemoryLedgerStore()
    mine = _entry("t")
    store.write([(mine.key, _with_unknown_field(mine))])
    with pytest.raises(StreamtError) as err:
        read_ledger(store, "p", "dev")
    (diag,) = err.value.diagnostics
    assert diag.code == "A080" and mine.key in diag.message and "newer streamt" in diag.hint


def test_a_pinned_max_parallelism_is_kept_and_an_unpinned_entry_is_written_as_before():
    store = MemoryLedgerStore()
    writer = LedgerWriter(store, "p", "dev")
    job = LedgerEntry(project="p", environment="dev", kind=ResourceKind.JOB, name="counts")
    assert "max_parallelism" not in json.loads(job.model_dump_json())
    writer.put(job.model_copy(update={"max_parallelism": 128}))
    entry = read_ledger(store, "p", "dev").get(ResourceKind.JOB, "counts")
    assert entry is not None and entry.max_parallelism == 128
    assert entry.content_digest() != job.content_digest()
