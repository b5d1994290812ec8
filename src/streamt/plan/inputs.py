"""What the planner reads about the live world: `LiveState`.

The values are `streamt.resources`' observed states (`TopicState`, `SubjectState`,
`JobState`, `ConnectorState`, `InterceptorState`), as the adapters return them;
`streamt.state.observe` fills a `LiveState` with them. `compatibility` holds the Schema Registry's verdict for each subject whose schema
differs from the registered one (asked at observe time, so an incompatible schema fails the
plan rather than half an apply); `state_checks` whether a changed job's new SQL can restore
its running version's savepoint (`plan/state_compat.py`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from streamt.plan.secrets import public_config
from streamt.plan.state_compat import StateCheck
from streamt.resources import (
    ConnectorState,
    InterceptorState,
    JobState,
    SubjectState,
    TopicState,
    digest,
)


@dataclass(frozen=True)
class Compatibility:
    compatible: bool
    messages: tuple[str, ...] = ()


ACTIVE_JOB_STATES = frozenset(
    {"INITIALIZING", "CREATED", "RUNNING", "RESTARTING", "RECONCILING", "FAILING", "CANCELLING"}
)
FAILED_JOB_STATES = frozenset({"FAILED"})


@dataclass(frozen=True)
class LiveState:
    """Observed resources by name. `jobs` lists every job carrying a given pipeline name."""

    topics: Mapping[str, TopicState] = field(default_factory=dict)
    subjects: Mapping[str, SubjectState] = field(default_factory=dict)
    jobs: Mapping[str, Sequence[JobState]] = field(default_factory=dict)
    connectors: Mapping[str, ConnectorState] = field(default_factory=dict)
    compatibility: Mapping[str, Compatibility] = field(default_factory=dict)
    interceptors: Mapping[str, InterceptorState] = field(default_factory=dict)
    # messages held by topics that exist but are not in the ledger (what `plan` tells about
    # them); not in the fingerprint: they grow while a plan waits to be applied
    messages: Mapping[str, int] = field(default_factory=dict)
    # for those topics: (records whose JSON fields are the model's columns, records sampled)
    samples: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    # job id -> the savepoint it stopped with, asked only for the old job of an upgrade the
    # ledger shows interrupted before it recorded its savepoint (Ctrl-C during the savepoint)
    stopped_savepoints: Mapping[str, str] = field(default_factory=dict)
    # those old jobs whose stop with savepoint Flink has not finished yet
    stops_in_progress: frozenset[str] = frozenset()
    # job name -> whether its new SQL can restore the running job's savepoint (asked at
    # observe time for each running job whose SQL or config changed)
    state_checks: Mapping[str, StateCheck] = field(default_factory=dict)
    # a desired topic that does not exist -> the live topic whose name Kafka takes for its
    # (`kafka_collision_key`): creating it would be refused
    collisions: Mapping[str, str] = field(default_factory=dict)

    def active_jobs(self, pipeline_name: str) -> list[JobState]:
        return [j for j in self.jobs.get(pipeline_name, ()) if j.state in ACTIVE_JOB_STATES]

    def latest_job(self, pipeline_name: str) -> JobState | None:
        jobs = sorted(self.jobs.get(pipeline_name, ()), key=lambda j: (j.start_time_ms, j.job_id))
        return jobs[-1] if jobs else None

    def fingerprint(self) -> str:
        """Digest of what the plan depends on (job ids and states, configs, schema versions)."""
        state = {n: [c.compatible, list(c.lost)] for n, c in sorted(self.state_checks.items())}
        return digest(
            {
                **({"state": state} if state else {}),  # absent: earlier plans' digests hold
                "topics": {
                    n: [t.partitions, t.replication_factor, dict(sorted(t.config.items()))]
                    for n, t in sorted(self.topics.items())
                },
                "subjects": {n: [s.version, s.schema] for n, s in sorted(self.subjects.items())},
                # the plan depends on whether a job is active, not on which active state it is
                # in: a job crash-looping between RUNNING and RESTARTING never makes it stale
                "jobs": {
                    n: sorted([j.job_id, _activity(j.state)] for j in js)
                    for n, js in sorted(self.jobs.items())
                },
                "connectors": {
                    n: public_config(c.config) for n, c in sorted(self.connectors.items())
                },
                "compat": {n: c.compatible for n, c in sorted(self.compatibility.items())},
                "gateway": {n: i.config_json for n, i in sorted(self.interceptors.items())},
            }
        )


def _activity(state: str) -> str:
    return "ACTIVE" if state in ACTIVE_JOB_STATES else state
