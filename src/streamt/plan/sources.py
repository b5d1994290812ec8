"""Jobs that would read a topic that does not exist: refused, the plan fails as a whole.

A Flink job submitted on a Kafka source whose topic is missing keeps RESTARTING. Sources are
external to streamt (it never creates their topics), so before any job is submitted the plan
checks every job it would submit (create / upgrade / replace): each topic it reads must be live
or created by a change of the same plan. Otherwise the job's change is REFUSED and one P020
error names the job, the source and the topic; `Deployment.plan` raises them, so neither
`streamt plan` nor `streamt apply` goes ahead (nothing is half-applied).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from streamt.diagnostics import Diagnostic, Location
from streamt.plan.inputs import LiveState
from streamt.resources import Action, Change, JobSpec, ResourceKind

CODE = "P020"
SOURCE_HINT = "create the topic or produce to it first (sources are external to streamt)"
MODEL_HINT = "apply the model that writes this topic first (or the whole project, without --select)"
SUBMITS = frozenset({Action.CREATE, Action.UPGRADE, Action.REPLACE})


@dataclass(frozen=True)
class SourceOrigin:
    """Which declared source reads a topic, and where it is declared."""

    name: str
    location: Location = field(default_factory=Location)


@dataclass(frozen=True)
class MissingSource:
    job: str
    node: str
    topic: str
    source: SourceOrigin | None  # None: the topic of another model, not a declared source

    @property
    def reason(self) -> str:
        what = (
            f"source {self.source.name!r} (topic {self.topic!r})"
            if self.source
            else f"topic {self.topic!r}"
        )
        return (
            f"job {self.job} reads {what}, which does not exist and is not created by this plan: "
            "the job would keep RESTARTING"
        )

    @property
    def hint(self) -> str:
        return SOURCE_HINT if self.source else MODEL_HINT

    def diagnostic(self) -> Diagnostic:
        location = self.source.location if self.source else Location()
        return Diagnostic(CODE, self.reason, location=location, hint=self.hint, node=self.node)


def missing_sources(
    jobs: Sequence[JobSpec],
    changes: Iterable[Change],
    live: LiveState,
    origins: Mapping[str, SourceOrigin],
) -> list[MissingSource]:
    """Every (job to submit, topic) pair whose topic is neither live nor created by `changes`."""
    listed = list(changes)
    created = {c.name for c in listed if c.kind is ResourceKind.TOPIC and c.action is Action.CREATE}
    submitting = {c.name for c in listed if c.kind is ResourceKind.JOB and c.action in SUBMITS}
    out = []
    for job in jobs:
        if job.name not in submitting:
            continue
        for topic in job.source_topics:
            if topic not in live.topics and topic not in created:
                out.append(MissingSource(job.name, job.node, topic, origins.get(topic)))
    return out


def refuse_jobs(changes: Sequence[Change], missing: Sequence[MissingSource]) -> list[Change]:
    """The job changes of `missing` turned REFUSED (one reason per missing topic)."""
    by_job: dict[str, list[MissingSource]] = {}
    for m in missing:
        by_job.setdefault(m.job, []).append(m)
    out = []
    for change in changes:
        found = by_job.get(change.name) if change.kind is ResourceKind.JOB else None
        if not found:
            out.append(change)
            continue
        out.append(
            change.model_copy(
                update={
                    "action": Action.REFUSED,
                    "reason": "; ".join(m.reason for m in found),
                    "hint": found[0].hint,
                    "live_job_id": None,
                    "restore_from": None,
                    "destructive": False,
                    "state_breaking": False,
                }
            )
        )
    return out
