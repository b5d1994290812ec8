"""A deployment: the project's desired state and the systems it runs on, which
`streamt.context.Context` plans, applies, rolls back and reports status on.

    deployment = Deployment(systems, desired, environment)   # a value: no I/O
    plan = deployment.plan(scope=None)        # reads the ledger and observes the systems once
    report = deployment.apply(plan, options)  # under the apply lock, re-checking staleness

Everything the project needs is compiled in full (fingerprints cover the whole project) and a
selection only narrows the plan (`scope`). Systems come from the project's `runtime:` with
`${VAR}` resolved in memory.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from streamt import __version__
from streamt.apply.executor import ApplyReport, Progress, execute_plan
from streamt.apply.rollback import rollback_job
from streamt.apply.step import ApplyOptions, StepContext
from streamt.artifacts.plan_file import plan_from_json
from streamt.compile.result import CompileResult
from streamt.compile.specs import DesiredState
from streamt.diagnostics import UNREACHABLE, Diagnostic, Location, StreamtError
from streamt.load.files import read_bounded
from streamt.load.model import Project
from streamt.plan import LiveState, PlanOptions, SourceOrigin, plan_with_problems
from streamt.plan.ledger import Ledger
from streamt.plan.names import DefaultName, foreign_default_names
from streamt.resources import Action, Change, Plan, PlanMetadata, ResourceKind
from streamt.state import (
    ApplyLock,
    LedgerStore,
    LedgerWriter,
    Systems,
    observe,
    read_ledger,
    systems_from_runtime,
)
from streamt.state.ledger_store import LedgerError
from streamt.state.probe import needed_by, needed_plugins, preflight
from streamt.state.systems import check_runtime_variables

_UP = "is Kafka reachable? (streamt local status)"


@dataclass
class Deployment:
    systems: Systems
    desired: DesiredState
    environment: str
    sources: Mapping[str, SourceOrigin] = field(default_factory=dict)  # topic -> its source
    columns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # model topic -> columns
    defaults: Mapping[str, DefaultName] = field(default_factory=dict)  # default-named topics
    warnings: list[Diagnostic] = field(default_factory=list, init=False)  # of the last plan
    _observed: tuple[Ledger, LiveState] | None = field(default=None, init=False, repr=False)

    @property
    def ledger(self) -> Ledger:
        """This project's ledger entries (read from Kafka on first use; `refresh` reads again)."""
        return self.observed()[0]

    @property
    def live(self) -> LiveState:
        """The live state of every system (observed on first use; `refresh` observes again)."""
        return self.observed()[1]

    def observed(self) -> tuple[Ledger, LiveState]:
        """The ledger and the live state, read on first use (`refresh` reads them again)."""
        if self._observed is None:
            self.refresh()
        assert self._observed is not None
        return self._observed

    def refresh(self) -> None:
        """Read the ledger and observe the systems (the network I/O of a plan)."""
        store = self._store()
        try:
            ledger = read_ledger(store, self.desired.project, self.environment)
            ledger = ledger.narrowed(resource_keys(self.desired))
        except LedgerError as exc:
            raise StreamtError(
                Diagnostic("A012", f"cannot read the deployment ledger: {exc}", hint=_UP),
                exit_code=UNREACHABLE,
            ) from None
        self._observed = (ledger, observe(self.desired, ledger, self.systems, self.columns))

    def _store(self) -> LedgerStore:
        if self.systems.ledger is None:
            raise StreamtError(Diagnostic("A010", "the ledger needs runtime.kafka"))
        return self.systems.ledger

    def plan(
        self,
        scope: frozenset[str] | None = None,
        *,
        reset_state: bool = False,
        adopt: frozenset[str] = frozenset(),
        tests: bool = False,
    ) -> Plan:
        """`tests`: also deploy the continuous tests not deployed yet (`streamt test --deploy`);
        deployed ones are planned in any case."""
        meta = PlanMetadata(
            streamt_version=__version__,
            generated_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        )
        opts = PlanOptions(
            environment=self.environment,
            scope=scope,
            reset_state=reset_state,
            metadata=meta,
            sources=self.sources,
            adopt=adopt,
            tests=tests,
        )
        ledger, live = self.observed()
        plan, problems = plan_with_problems(self.desired, live, ledger, opts)
        self.warnings = foreign_default_names(live, ledger, self.defaults)
        if problems:  # the plan fails as a whole: no step may run
            raise StreamtError(problems)
        return plan

    def replanned(self, plan: Plan, source: str = "") -> Plan:
        """`plan` made again now (its scope, resets and adoptions), refused unless it has the
        same changes against the same world (A005 stale, A030 different)."""
        fresh = self.plan(
            tuple_to_scope(plan.scope),
            reset_state=has_reset(plan),
            adopt=frozenset(plan.adopt),
            tests=deploys_tests(plan, self.ledger),
        )
        ensure_fresh(plan, fresh, source)
        return fresh

    def step_context(self, options: ApplyOptions) -> StepContext:
        writer = LedgerWriter(self._store(), self.desired.project, self.environment)
        return StepContext(self.systems, self.ledger, writer, options)

    def locked(self) -> ApplyLock:
        lock = ApplyLock(self._store(), self.desired.project, self.environment)
        try:
            lock.acquire()
        except LedgerError as exc:
            raise StreamtError(
                Diagnostic("A013", f"cannot take the apply lock: {exc}", hint=_UP),
                exit_code=UNREACHABLE,
            ) from None
        return lock

    def apply(
        self,
        plan: Plan,
        options: ApplyOptions,
        progress: Progress | None = None,
        confirm: Callable[[Plan], bool] | None = None,
    ) -> ApplyReport:
        """Execute `plan` under the lock; refuse it if the world moved since it was made."""
        lock = self.locked()
        try:
            self.refresh()
            fresh = self.replanned(plan)
            if confirm is not None and not confirm(plan):
                return ApplyReport(())
            # what runs is what the project compiles to now (equal to `plan`, checked above)
            return execute_plan(fresh, self.step_context(options), progress, lock.refresh)
        finally:
            self._observed = None  # the world changed: the next use observes it again
            lock.release()

    def rollback(self, model: str, options: ApplyOptions) -> str:
        lock = self.locked()
        try:
            self.refresh()
            return rollback_job(self.step_context(options), model)
        finally:
            self._observed = None
            lock.release()


def resource_keys(desired: DesiredState) -> list[tuple[ResourceKind, str]]:
    """(kind, name) of every named resource the project wants (jobs: by pipeline name)."""
    return [
        *((ResourceKind.TOPIC, t.name) for t in desired.topics),
        *((ResourceKind.SUBJECT, s.subject) for s in desired.subjects),
        *((ResourceKind.CONNECTOR, c.name) for c in desired.connectors),
        *((ResourceKind.GATEWAY_RULE, g.name) for g in desired.gateway_rules),
    ]


def source_origins(project: Project) -> dict[str, SourceOrigin]:
    """Topic -> the declared source reading it (for P020 messages)."""
    return {s.topic: SourceOrigin(s.name, s.where("topic")) for s in project.sources}


def tuple_to_scope(scope: tuple[str, ...] | None) -> frozenset[str] | None:
    return frozenset(scope) if scope is not None else None


def has_reset(plan: Plan) -> bool:
    return any(c.kind is ResourceKind.JOB and c.action is Action.REPLACE for c in plan.changes)


def deploys_tests(plan: Plan, ledger: Ledger) -> bool:
    """Whether `plan` deploys a continuous test the ledger does not hold (made with `tests`)."""
    return any(
        c.kind is ResourceKind.TEST_JOB and ledger.get(c.kind, c.name) is None for c in plan.changes
    )


def ensure_fresh(plan: Plan, fresh: Plan, source: str = "") -> None:
    moved = [
        what
        for what, a, b in (
            ("the project", plan.fingerprint.desired, fresh.fingerprint.desired),
            ("live infrastructure", plan.fingerprint.live, fresh.fingerprint.live),
            ("the deployment ledger", plan.fingerprint.ledger, fresh.fingerprint.ledger),
        )
        if a != b
    ]
    if moved:
        raise StreamtError(
            Diagnostic(
                "A005",
                f"the plan is stale: {' and '.join(moved)} changed since it was made; "
                + changes_since(plan, fresh),
                location=Location(source),
                hint="nothing was applied; run `streamt plan` again and review the new plan",
            )
        )
    ensure_same_changes(plan, fresh, source)


def changes_since(plan: Plan, fresh: Plan) -> str:
    """What a plan made now does differently from `plan`, change by change (a job a restarted
    JobManager lost: "flink_job.counts: was noop (up to date), now create (... checkpoint ...)")."""
    mine = {c.address: c for c in plan.changes}
    now = {c.address: c for c in fresh.changes}

    def shown(change: Change | None) -> str:
        return f"{change.action.value} ({change.reason})" if change else "nothing"

    moved = [
        f"{a}: was {shown(mine.get(a))}, now {shown(now.get(a))}"
        for a in sorted(mine.keys() | now.keys())
        if mine.get(a) != now.get(a)
    ]
    if not moved:
        return "a plan made now has the same changes"
    return "a plan made now differs: " + "; ".join(moved)


def ensure_same_changes(plan: Plan, fresh: Plan, source: str = "") -> None:
    """A plan file is trusted for nothing: its changes (statements, configs, resources,
    actions) must be exactly those the project compiles to now against the same world. Its
    own fingerprints only say which world it was made against; they can be kept while the
    statements are edited."""
    mine = {c.address: c for c in plan.changes}
    now = {c.address: c for c in fresh.changes}
    differ = sorted(a for a in mine.keys() | now.keys() if mine.get(a) != now.get(a))
    if plan.scope != fresh.scope:
        differ.insert(0, "its scope")
    if differ:
        shown = ", ".join(differ[:5]) + (f" and {len(differ) - 5} more" if len(differ) > 5 else "")
        raise StreamtError(
            Diagnostic(
                "A030",
                f"the plan file does not match what the project compiles to now: {shown} "
                "differ (the file was edited, or made by another project or streamt version)",
                location=Location(source),
                hint="nothing was applied; run `streamt plan --out plan.json` again and review it",
            )
        )


def deployment_of(
    project: Project,
    result: CompileResult | None,
    environ: Mapping[str, str],
    env: str | None = None,
    systems: Systems | None = None,
) -> Deployment:
    """The deployment of `project` compiled to `result`; with `result=None`, of an empty
    desired state, whose plan deletes what the ledger says the project owns (destroy).
    Systems default to the project's `runtime:` (every `${VAR}` in it must be set), probed
    first (`state/probe.py`: one short call per system the plan needs, so a dead endpoint fails
    in seconds, named); given systems (tests, Python users with their own) are not probed."""
    if systems is None:
        check_runtime_variables(project, environ)
    environment = env or project.environment or "default"
    if systems is None:  # a dead endpoint fails here in seconds, named, before any retry
        desired = result.desired if result is not None else DesiredState(project.name)
        plugins = needed_plugins([c.config for c in desired.connectors])
        preflight(project, environ, needed_by(desired), environment, plugins=plugins)
    chosen = systems or systems_from_runtime(project.runtime, environ)
    if result is None:
        return Deployment(chosen, DesiredState(project=project.name), environment)
    columns = {
        node.topic: tuple(c.name for c in node.columns)
        for node in result.nodes.values()
        if node.kind == "model" and node.topic and node.columns
    }
    return Deployment(
        chosen,
        result.desired,
        environment,
        sources=source_origins(project),
        columns=columns,
        defaults=default_names(project, result),
    )


def default_names(project: Project, result: CompileResult) -> dict[str, DefaultName]:
    """Topic -> its model, for the models whose topic streamt creates under the model's name."""
    created = {t.name for t in result.desired.topics}
    places = {m.name: m.where("name") for m in project.models}
    return {
        node.topic: DefaultName(node.name, node.id, places.get(node.name, Location()))
        for node in result.nodes.values()
        if node.kind == "model" and node.topic == node.name and node.topic in created
    }


def read_plan_file(path: Path) -> Plan:
    try:
        text = read_bounded(path).decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise StreamtError(
            Diagnostic("A006", f"cannot read plan file: {reason}", location=Location(str(path)))
        ) from None
    return plan_from_json(text, source=str(path))
