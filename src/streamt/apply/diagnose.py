"""Why a submitted job did not start: the root cause from Flink, in words a user can act on.

`explain_failure(flink, job_id)` asks the cluster for the job's exceptions (call it after the
job was cancelled, so its slots are free again). `NoResourceAvailableException` becomes "not
enough free task slots: the job needs N, the cluster has M free" with what to do; any other
failure is its meaningful cause (`streamt.adapters.java_trace`: the deepest cause with a
message, the record, the operator), also shown by `status` for a job that failed or restarts;
`with_position` (`streamt.adapters.located`, shared with `streamt test`) adds where the record
is. A cluster that cannot say (or a client without these calls) gives "" and the caller keeps
its generic message.

The calls are a Protocol of their own (`FlinkDiagnostics`): `FlinkClient` has them; the
`FlinkCluster` Protocol in `streamt.adapters.protocols` does not require them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol, runtime_checkable

from streamt.adapters.protocols import AdapterError

NO_SLOTS = "NoResourceAvailableException"
SLOTS_HINT = (
    "lower the job's parallelism, cancel other jobs, or on the local stack raise "
    "STREAMT_LOCAL_TASKMANAGER_SLOTS (then `streamt local up`)"
)


@runtime_checkable
class FlinkDiagnostics(Protocol):
    def job_exceptions(self, job_id: str) -> list[str]: ...
    def job_parallelism(self, job_id: str) -> int: ...
    def free_slots(self) -> tuple[int, int]: ...


def explain_failure(
    flink: object,
    job_id: str,
    wait_s: float = 0.0,
    poll_s: float = 0.5,
    pause: Callable[[float], None] = time.sleep,
) -> str:
    """Flink adds a failure to the job's exception history a few seconds after the job went
    RESTARTING or FAILED: an empty history is asked again for up to `wait_s`, `pause`ing
    between (apply's pause: Ctrl-C ends the wait)."""
    if not isinstance(flink, FlinkDiagnostics):
        return ""
    deadline = time.monotonic() + wait_s
    try:
        causes = flink.job_exceptions(job_id)
        while not causes and time.monotonic() < deadline:
            pause(poll_s)
            causes = flink.job_exceptions(job_id)
        if not causes:
            return ""
        if any(NO_SLOTS in cause for cause in causes):
            return _no_slots(flink, job_id)
    except AdapterError:
        return ""
    return f"root cause: {causes[0]}"


def _no_slots(flink: FlinkDiagnostics, job_id: str) -> str:
    needs = flink.job_parallelism(job_id)
    free, total = flink.free_slots()
    return (
        f"not enough free task slots: the job needs {needs}, the cluster has {free} free "
        f"(GET /overview slots-available; {total} in total). Hint: {SLOTS_HINT}"
    )


def waiting_for_slots(flink: object, job_id: str) -> str:
    """For a RUNNING job whose tasks are not deployed: the slot shortfall, or "" if none."""
    if not isinstance(flink, FlinkDiagnostics):
        return ""
    try:
        needs = flink.job_parallelism(job_id)
        free, total = flink.free_slots()
    except AdapterError:
        return ""
    if needs <= free:
        return ""
    return (
        f"not enough free task slots: the job needs {needs}, the cluster has {free} free "
        f"({total} in total) and its tasks were not deployed. Hint: {SLOTS_HINT}"
    )
