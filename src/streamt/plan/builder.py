"""`build_plan(desired, live, ledger) -> Plan`: the pure diff.

Every desired resource gets exactly one `Change` (no-ops included, so the plan is a complete
account); ledger-owned resources missing from the project get deletes. A scoped plan
(`--select` / `--target`) keeps only changes of the selected nodes and never deletes.
Order is deterministic: subjects -> topics -> jobs -> test jobs -> connectors -> gateway rules,
then name. A continuous test's resources (its job, its topics) are planned once it is deployed
(`PlanOptions.tests`, or its job in the ledger; `streamt.plan.test_jobs`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from streamt.compile.specs import DesiredState
from streamt.diagnostics import Diagnostic
from streamt.plan.common import Ownership
from streamt.plan.connectors import plan_connector, plan_connector_removal
from streamt.plan.gateway import plan_gateway_rule, plan_gateway_rule_removal
from streamt.plan.inputs import LiveState
from streamt.plan.jobs import JobContext, plan_job, plan_job_removal
from streamt.plan.ledger import Ledger
from streamt.plan.sources import SourceOrigin, missing_sources, refuse_jobs
from streamt.plan.subjects import plan_subject, plan_subject_removal
from streamt.plan.test_jobs import (
    deployed_tests,
    plan_desired_topic,
    plan_test_job,
    plan_test_job_removal,
    planned_topic,
)
from streamt.plan.topics import plan_topic_removal, refuse_colliding
from streamt.resources import (
    KIND_ORDER,
    Action,
    Change,
    InputFingerprints,
    LedgerEntry,
    Plan,
    PlanMetadata,
    ResourceKind,
    digest,
)


@dataclass(frozen=True)
class PlanOptions:
    environment: str = "default"
    scope: frozenset[str] | None = None  # node ids; None = the whole project
    reset_state: bool = False
    metadata: PlanMetadata = field(default_factory=PlanMetadata)
    sources: Mapping[str, SourceOrigin] = field(default_factory=dict)  # topic -> its source
    adopt: frozenset[str] = frozenset()  # node ids whose existing resources the user adopts
    tests: bool = False  # deploy continuous tests not deployed yet (`streamt test --deploy`)


def desired_fingerprint(desired: DesiredState) -> str:
    return digest(
        {
            "topics": [t.as_json() for t in desired.topics],
            "subjects": [s.as_json() for s in desired.subjects],
            "jobs": [j.as_json() for j in desired.jobs],
            "connectors": [c.as_json() for c in desired.connectors],
            "gateway": [g.as_json() for g in desired.gateway_rules],
            # only when there are some: a project without continuous tests keeps its fingerprint
            **(
                {"test_jobs": [j.as_json() for j in desired.test_jobs]} if desired.test_jobs else {}
            ),
        }
    )


def build_plan(
    desired: DesiredState, live: LiveState, ledger: Ledger, options: PlanOptions | None = None
) -> Plan:
    return plan_with_problems(desired, live, ledger, options)[0]


def plan_with_problems(
    desired: DesiredState, live: LiveState, ledger: Ledger, options: PlanOptions | None = None
) -> tuple[Plan, list[Diagnostic]]:
    """The plan and the errors that fail it as a whole (P020: a job on a missing topic)."""
    opts = options or PlanOptions()
    changes = [
        *_desired_changes(desired, live, ledger, opts),
        *_removals(desired, live, ledger, opts),
    ]
    if opts.scope is not None:
        changes = [c for c in changes if c.node in opts.scope and c.action is not Action.DELETE]
    changes = refuse_colliding(changes, live.collisions)
    missing = missing_sources(desired.jobs, changes, live, opts.sources)
    changes = refuse_jobs(changes, missing)
    changes.sort(key=_order)
    plan = Plan(
        project=desired.project,
        environment=opts.environment,
        fingerprint=InputFingerprints(
            desired=desired_fingerprint(desired),
            live=live.fingerprint(),
            ledger=ledger.fingerprint(),
        ),
        changes=tuple(changes),
        scope=tuple(sorted(opts.scope)) if opts.scope is not None else None,
        adopt=tuple(sorted(opts.adopt)),
        metadata=opts.metadata,
    )
    return plan, [m.diagnostic() for m in missing]


def _order(change: Change) -> tuple[int, str]:
    return (KIND_ORDER.index(change.kind), change.name)


def _desired_changes(
    desired: DesiredState, live: LiveState, ledger: Ledger, opts: PlanOptions
) -> Iterable[Change]:
    def own(kind: ResourceKind, name: str, node: str, facts: str = "") -> Ownership:
        return Ownership(node in opts.adopt, ledger.owner(kind, name), facts)

    for s in desired.subjects:
        entry = ledger.get(ResourceKind.SUBJECT, s.subject)
        registered = live.subjects.get(s.subject)
        yield plan_subject(
            s,
            s.node,
            registered,
            entry,
            live.compatibility.get(s.subject),
            own(
                ResourceKind.SUBJECT,
                s.subject,
                s.node,
                f"version {registered.version}" if registered else "",
            ),
        )
    deployed = deployed_tests(desired.test_jobs, ledger, opts.tests)
    for t in (t for t in desired.topics if planned_topic(t, deployed, ledger)):
        yield plan_desired_topic(
            t,
            live.topics.get(t.name),
            ledger.get(ResourceKind.TOPIC, t.name),
            own(ResourceKind.TOPIC, t.name, t.node, _topic_facts(live, t.name)),
        )
    for j in desired.jobs:
        ctx = JobContext(
            desired=j,
            entry=ledger.get(ResourceKind.JOB, j.name),
            reset_state=opts.reset_state,
            own=own(ResourceKind.JOB, j.name, j.node),
            state=live.state_checks.get(j.name),
        )
        yield plan_job(ctx, live)
    for j in (j for j in desired.test_jobs if j.node in deployed):
        yield plan_test_job(j, ledger.get(ResourceKind.TEST_JOB, j.name), live)
    for c in desired.connectors:
        running = live.connectors.get(c.name)
        yield plan_connector(
            c,
            c.node,
            running,
            ledger.get(ResourceKind.CONNECTOR, c.name),
            own(ResourceKind.CONNECTOR, c.name, c.node, running.state if running else ""),
        )
    for g in desired.gateway_rules:
        yield plan_gateway_rule(
            g,
            g.node,
            live.interceptors.get(g.name),
            ledger.get(ResourceKind.GATEWAY_RULE, g.name),
            own(ResourceKind.GATEWAY_RULE, g.name, g.node),
        )


def _topic_facts(live: LiveState, name: str) -> str:
    """What the plan tells about an existing topic: its size and whether it looks like ours."""
    facts = []
    if name in live.messages:
        facts.append(f"{live.messages[name]} messages")
    if name in live.samples:
        matching, sampled = live.samples[name]
        facts.append(f"{matching} of {sampled} sampled records have the model's columns")
    return "; ".join(facts)


def _removals(
    desired: DesiredState, live: LiveState, ledger: Ledger, opts: PlanOptions
) -> Iterable[Change]:
    if opts.scope is not None:
        return
    wanted = {
        ResourceKind.SUBJECT: {s.subject for s in desired.subjects},
        ResourceKind.TOPIC: {t.name for t in desired.topics},
        ResourceKind.JOB: {j.name for j in desired.jobs},
        ResourceKind.TEST_JOB: {j.name for j in desired.test_jobs},
        ResourceKind.CONNECTOR: {c.name for c in desired.connectors},
        ResourceKind.GATEWAY_RULE: {g.name for g in desired.gateway_rules},
    }
    for entry in ledger.entries:
        if entry.name in wanted[entry.kind]:
            continue
        change = _removal(entry, live)
        if change is not None:
            yield change


def _removal(entry: LedgerEntry, live: LiveState) -> Change | None:
    match entry.kind:
        case ResourceKind.SUBJECT:
            return plan_subject_removal(entry, live.subjects.get(entry.name))
        case ResourceKind.TOPIC:
            return plan_topic_removal(entry, live.topics.get(entry.name))
        case ResourceKind.JOB:
            return plan_job_removal(entry, live) if entry.owned else None
        case ResourceKind.TEST_JOB:
            return plan_test_job_removal(entry, live)
        case ResourceKind.CONNECTOR:
            return plan_connector_removal(entry, live.connectors.get(entry.name))
        case ResourceKind.GATEWAY_RULE:
            return plan_gateway_rule_removal(entry, live.interceptors.get(entry.name))
