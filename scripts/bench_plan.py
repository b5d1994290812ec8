#!/usr/bin/env python3
"""No-op `plan` on a deployed project of N models: calls per system and wall time.

    .venv/bin/python scripts/bench_plan.py [--sizes 10 100] [--runs 5]

Needs the local stack (`streamt local up --wait`). For each size the project is generated with
../shared/bench/gen_project.py, compiled, and deployed for real on the local stack: every topic
is created on Kafka and every resource is recorded in the `_streamt_state` ledger by the real
apply steps. Flink jobs: with `--real-jobs` every job is submitted and runs (the TaskManager
needs a slot per job: start the stack with e.g. `STREAMT_LOCAL_TASKMANAGER_SLOTS=128
STREAMT_LOCAL_HEAP_TASKMANAGER_PROCESS=6144m streamt local up --wait`); without it the jobs
are only recorded in the ledger and the Flink adapter's `list_jobs` makes the real
`GET /jobs/overview` call and adds a RUNNING entry per recorded job. Then the timed part is
exactly what `streamt plan` does after compiling: read the ledger, observe (one listing per
system) and build the plan, which must be empty. `--real-jobs` removes the deployment after.

    .venv/bin/python scripts/bench_plan.py --real-jobs --sizes 10 100
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from streamt.adapters.protocols import JobState
from streamt.apply.deployment import Deployment
from streamt.apply.executor import execute_plan
from streamt.apply.step import ApplyOptions, StepContext
from streamt.compile.specs import DesiredState
from streamt.config.runtime import local_runtime
from streamt.context import Context
from streamt.plan import EntryStatus
from streamt.resources import JobSpec, Plan, ResourceKind
from streamt.state import LedgerWriter, Systems, systems_from_runtime

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = ROOT.parent / "shared" / "bench" / "gen_project.py"


class JobsFromLedger:
    """The real Flink adapter, plus a RUNNING job for each id in `extra` (see module doc)."""

    def __init__(self, real: object) -> None:
        self.real = real
        self.extra: dict[str, JobState] = {}

    @property
    def calls(self) -> int:
        return int(getattr(self.real, "calls", 0))

    def list_jobs(self) -> Sequence[JobState]:
        return [*self.real.list_jobs(), *self.extra.values()]  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> object:
        return getattr(self.real, name)


def deploy(session: Deployment, flink: JobsFromLedger) -> None:
    plan = session.plan()
    no_jobs = Plan.model_validate(
        {
            **plan.model_dump(),
            "changes": [c for c in plan.changes if c.kind is not ResourceKind.JOB],
        }
    )
    assert session.systems.ledger is not None
    writer = LedgerWriter(session.systems.ledger, session.desired.project, session.environment)
    ctx = StepContext(session.systems, session.ledger, writer, ApplyOptions(max_workers=4))
    report = execute_plan(no_jobs, ctx)
    assert report.ok, [(r.change.address, r.message) for r in report.failed]
    for change in plan.changes:
        if change.kind is ResourceKind.JOB and isinstance(change.desired, JobSpec):
            job_id = f"bench-{change.name}"
            entry = session.ledger.get(ResourceKind.JOB, change.name) or ctx.base_entry(
                change, owned=True
            )
            writer.put(
                entry.model_copy(
                    update={
                        "status": EntryStatus.APPLIED,
                        "spec": change.desired,
                        "data_fingerprint": change.desired.data_fingerprint,
                        "metadata_fingerprint": change.desired.metadata_fingerprint,
                        "job_id": job_id,
                    }
                )
            )
    register_jobs(session, flink)


def register_jobs(session: Deployment, flink: JobsFromLedger) -> None:
    session.refresh()
    for entry in session.ledger.of_kind(ResourceKind.JOB):
        if isinstance(entry.spec, JobSpec):
            flink.extra[entry.job_id] = JobState(
                entry.job_id, entry.spec.pipeline_name, "RUNNING", 1
            )


def deploy_for_real(session: Deployment, desired_topics: Sequence[str]) -> None:
    """Create the external source topics, then apply the whole plan, jobs included."""
    from confluent_kafka import admin as ck_admin

    admin = ck_admin.AdminClient({"bootstrap.servers": "localhost:9092"})
    existing = set(admin.list_topics(timeout=10).topics)
    sources = sorted({t for job in session.desired.jobs for t in job.source_topics})
    missing = [t for t in sources if t not in existing and t not in desired_topics]
    if missing:
        futures = admin.create_topics([ck_admin.NewTopic(t, 1, 1) for t in missing])
        for future in futures.values():
            future.result(timeout=15)
    report = session.apply(session.plan(), ApplyOptions(max_workers=4, job_stable_s=1.0))
    assert report.ok, [(r.change.address, r.message) for r in report.failed][:5]
    session.refresh()


def destroy(session: Deployment) -> None:
    empty = Deployment(session.systems, DesiredState(session.desired.project), session.environment)
    report = empty.apply(empty.plan(), ApplyOptions(allow_destructive=True, max_workers=4))
    assert report.ok, [(r.change.address, r.message) for r in report.failed][:5]


def bench(n: int, runs: int, real_jobs: bool) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, str(GENERATOR), str(n), tmp], check=True)
        desired = Context(Path(tmp)).compile().desired
    systems: Systems = systems_from_runtime(local_runtime(), {})
    env = f"bench-real-{n}-{int(time.time())}" if real_jobs else f"bench-{n}"
    session = Deployment(systems, desired, env)
    if real_jobs:
        deploy_for_real(session, [t.name for t in desired.topics])
    else:
        flink = JobsFromLedger(systems.flink)
        systems.flink = flink  # type: ignore[assignment]
        session.systems = systems
        deploy(session, flink)
        register_jobs(session, flink)
    try:
        return _measure(session, systems, desired, n, runs)
    finally:
        if real_jobs:
            destroy(session)


def _measure(
    session: Deployment, systems: Systems, desired: DesiredState, n: int, runs: int
) -> dict[str, object]:
    walls, deltas = [], []
    for _ in range(runs):
        before = systems.calls()
        start = time.perf_counter()
        session.refresh()
        plan = session.plan()
        walls.append(time.perf_counter() - start)
        after = systems.calls()
        deltas.append({k: after[k] - before[k] for k in after})
        pending = [(c.address, c.reason) for c in plan.pending]
        assert not pending, pending[:5]
    return {
        "models": n,
        "topics": len(desired.topics),
        "jobs": len(desired.jobs),
        "calls": deltas[-1],
        "wall_median_s": round(statistics.median(walls), 3),
        "wall_min_s": round(min(walls), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--real-jobs", action="store_true", help="submit and run every job")
    args = parser.parse_args()
    print(
        f"{'models':>6} {'topics':>6} {'jobs':>5}  calls per system (one no-op plan)          wall median / min"
    )
    for n in args.sizes:
        r = bench(n, args.runs, args.real_jobs)
        calls = ", ".join(f"{k}={v}" for k, v in sorted(r["calls"].items()))  # type: ignore[attr-defined]
        print(
            f"{r['models']:>6} {r['topics']:>6} {r['jobs']:>5}  {calls:<42} {r['wall_median_s']}s / {r['wall_min_s']}s"
        )


if __name__ == "__main__":
    main()
