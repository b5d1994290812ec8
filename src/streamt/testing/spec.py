"""A data test as the runners see it: typed assertions, on_failure actions and unit cases.

`parse_test` turns a loaded `DataTest` (typed assertions; actions and unit cases still raw
mappings) into a frozen `ParsedTest`, returning placed diagnostics (T010, T012 and the parameter
codes T003-T005 of actions and unit cases) for everything it could not understand. Pure: no I/O.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from streamt.config.checks import url_problem, url_userinfo
from streamt.diagnostics import Diagnostic, Location, Severity, did_you_mean
from streamt.load.assertions import BAD_VALUE, MISSING_PARAM
from streamt.load.ids import NodeId, NodeKind
from streamt.load.model import DataTest, Project, TestType
from streamt.testing.assertions import Assertion
from streamt.testing.params import Params
from streamt.testing.parse import assertions_of

BAD_ACTION = "T010"
BAD_UNIT = "T012"

DEFAULT_SAMPLE_SIZE = 100
DEFAULT_TIMEOUT_S = 10.0


class ActionKind(str, enum.Enum):
    ALERT = "alert"
    DLQ = "dlq"
    PAUSE_MODEL = "pause_model"
    BLOCK_DEPLOY = "block_deploy"


@dataclass(frozen=True)
class AlertAction:
    url: str  # may hold ${VAR}; resolved in memory when the alert is sent
    channel: str | None = None


@dataclass(frozen=True)
class DlqAction:
    topic: str | None = None  # a topic name, or
    model: str | None = None  # a model whose output topic is the DLQ


@dataclass(frozen=True)
class PauseModelAction:
    model: str | None = None  # None = the test's model


@dataclass(frozen=True)
class BlockDeployAction:
    pass


Action = AlertAction | DlqAction | PauseModelAction | BlockDeployAction


class ExpectMode(str, enum.Enum):
    APPEND = "append"  # every output row, as a multiset
    FINAL = "final"  # the last row per key (updating results), deletions removed


@dataclass(frozen=True)
class UnitInput:
    name: str  # a source or model the tested model reads
    rows: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class UnitCase:
    inputs: tuple[UnitInput, ...]
    rows: tuple[Mapping[str, Any], ...]
    mode: ExpectMode | None = None  # None = from the model's changelog (upsert -> final)
    columns: tuple[str, ...] = ()  # compare only these columns (default: the expected rows' keys)


@dataclass(frozen=True)
class ParsedTest:
    __test__ = False

    name: str
    target: str  # model or source name
    type: TestType
    assertions: tuple[Assertion, ...]
    actions: tuple[Action, ...] = ()
    severity: str = "error"
    sample_size: int = DEFAULT_SAMPLE_SIZE
    timeout_s: float = DEFAULT_TIMEOUT_S
    unit: UnitCase | None = None
    location: Location = field(default_factory=Location)
    # the graph node the results report on: the test's own (`test.<project>.<name>`), or the
    # source of a `freshness:` check; None for specs built outside a project
    node: NodeId | None = None

    def has_action(self, kind: ActionKind) -> bool:
        return any(action_kind(a) is kind for a in self.actions)


def action_kind(action: Action) -> ActionKind:
    if isinstance(action, AlertAction):
        return ActionKind.ALERT
    if isinstance(action, DlqAction):
        return ActionKind.DLQ
    if isinstance(action, PauseModelAction):
        return ActionKind.PAUSE_MODEL
    return ActionKind.BLOCK_DEPLOY


def parse_test(test: DataTest, project: Project) -> tuple[ParsedTest, list[Diagnostic]]:
    """The test's `ParsedTest` and the placed diagnostics (node `test.<project>.<name>`)."""
    node = NodeId(NodeKind.TEST, project.name, test.name)
    assertions = assertions_of(test)
    diags: list[Diagnostic] = []
    actions: list[Action] = []
    severity = "error"
    if test.on_failure is not None:
        severity = test.on_failure.severity
        for i, raw in enumerate(test.on_failure.actions):
            action, problems = parse_action(raw, _under(test.where, f"on_failure.actions.{i}"))
            diags.extend(problems)
            if action is not None:
                actions.append(action)
    unit = None
    if test.type is TestType.UNIT:
        unit, problems = parse_unit(test)
        diags.extend(problems)
    spec = ParsedTest(
        name=test.name,
        target=test.model,
        type=test.type,
        assertions=assertions,
        actions=tuple(actions),
        severity=severity,
        sample_size=test.sample_size or project.defaults.tests.sample_size or DEFAULT_SAMPLE_SIZE,
        timeout_s=test.timeout_seconds or DEFAULT_TIMEOUT_S,
        unit=unit,
        location=test.location,
        node=node,
    )
    return spec, [_placed(d, test, node) for d in diags]


def _placed(diag: Diagnostic, test: DataTest, node: NodeId) -> Diagnostic:
    return Diagnostic(
        diag.code,
        f"test '{test.name}': {diag.message}",
        diag.severity,
        diag.location,
        diag.hint,
        str(node),
    )


def _under(where: Callable[[str], Location], base: str) -> Callable[[str], Location]:
    return lambda key: where(f"{base}.{key}" if key else base)


_ACTION_KEYS: dict[ActionKind, tuple[str, ...]] = {
    ActionKind.ALERT: ("url", "webhook", "type", "channel"),
    ActionKind.DLQ: ("topic", "model"),
    ActionKind.PAUSE_MODEL: ("model",),
    ActionKind.BLOCK_DEPLOY: (),
}


def parse_action(
    raw: object, where: Callable[[str], Location]
) -> tuple[Action | None, list[Diagnostic]]:
    """`- alert: {url: ...}`, `- dlq: {topic: ...}`, `- pause_model`, `- block_deploy`."""
    if isinstance(raw, str):
        raw = {raw: {}}
    if not isinstance(raw, Mapping) or len(raw) != 1:
        msg = "an on_failure action must be a single-key mapping or a bare action name"
        return None, [
            Diagnostic(
                BAD_ACTION, msg, location=where(""), hint="e.g. `- alert: {url: ${SLACK_WEBHOOK}}`"
            )
        ]
    ((name, body),) = raw.items()
    try:
        kind = ActionKind(name)
    except ValueError:
        names = [k.value for k in ActionKind]
        hint = did_you_mean(str(name), names) or "known: " + ", ".join(names)
        return None, [
            Diagnostic(
                BAD_ACTION, f"unknown on_failure action '{name}'", location=where(""), hint=hint
            )
        ]
    if body is None or body is True:
        body = {}
    if not isinstance(body, Mapping):
        return None, [
            Diagnostic(
                BAD_ACTION,
                f"the parameters of '{kind.value}' must be a mapping",
                location=where(kind.value),
            )
        ]
    p = Params(kind.value, body, _ACTION_KEYS[kind], _under(where, kind.value))
    action = _build_action(kind, p)
    return (None if p.diags else action), p.diags


def _build_action(kind: ActionKind, p: Params) -> Action | None:
    if kind is ActionKind.ALERT:
        kind_value = p.string("type")
        if kind_value is not None and kind_value not in ("slack", "webhook"):
            p.error(
                BAD_VALUE,
                f"alert: unknown type {kind_value!r}",
                "type",
                'slack or webhook (both POST {"text": ...})',
            )
        key = p.first("url", "webhook") or "url"
        url = p.string(key, required=True, hint="the webhook URL, e.g. ${SLACK_WEBHOOK_URL}")
        problem = url_problem(url) if url else ""
        if problem:
            p.error("L050", f"alert {key} {problem}", key, "e.g. https://hooks.slack.com/...")
        if url and url_userinfo(url):
            at = p.where(key)
            p.diags.append(
                Diagnostic(
                    "L051",
                    f"alert {key} has credentials inside the URL",
                    Severity.WARNING,
                    at,
                    "write the whole URL as ${VAR}: it is printed and logged",
                )
            )
        return AlertAction(url, p.string("channel")) if url and not problem else None
    if kind is ActionKind.DLQ:
        topic, model = p.string("topic"), p.string("model")
        if (topic is None) == (model is None):
            p.error(
                MISSING_PARAM,
                "dlq needs exactly one of 'topic' or 'model'",
                "",
                "e.g. dlq: {topic: orders.dlq}",
            )
        return DlqAction(topic, model)
    if kind is ActionKind.PAUSE_MODEL:
        return PauseModelAction(p.string("model"))
    if kind is ActionKind.BLOCK_DEPLOY:
        return BlockDeployAction()
    raise AssertionError(kind)  # pragma: no cover


def parse_unit(test: DataTest) -> tuple[UnitCase | None, list[Diagnostic]]:
    diags: list[Diagnostic] = []
    if not test.given:
        diags.append(
            Diagnostic(
                BAD_UNIT,
                "a unit test needs 'given': rows per input",
                location=test.where("given"),
                hint="given: [{input: orders_raw, rows: [{order_id: a, amount: 3}]}]",
            )
        )
    inputs = [_unit_input(i, raw, test, diags) for i, raw in enumerate(test.given)]
    expect = test.expect
    if expect is None:
        diags.append(
            Diagnostic(
                BAD_UNIT,
                "a unit test needs 'expect': the output rows",
                location=test.location,
                hint="expect: {rows: [{order_id: a}]}",
            )
        )
        return None, diags
    p = Params("expect", expect, ("rows", "mode", "columns"), _under(test.where, "expect"))
    rows = _rows(expect.get("rows"), "expect.rows", test, diags)
    mode_raw = p.string("mode")
    mode = None
    if mode_raw is not None:
        try:
            mode = ExpectMode(mode_raw)
        except ValueError:
            p.error(BAD_VALUE, f"expect.mode must be 'append' or 'final', got {mode_raw!r}", "mode")
    columns = p.strings("columns")
    diags.extend(p.diags)
    if diags or any(i is None for i in inputs) or rows is None:
        return None, diags
    return UnitCase(tuple(i for i in inputs if i is not None), rows, mode, columns), diags


def _unit_input(
    index: int, raw: Mapping[str, Any], test: DataTest, diags: list[Diagnostic]
) -> UnitInput | None:
    path = f"given.{index}"
    if "input" in raw:
        name, rows_raw = raw.get("input"), raw.get("rows")
        extra = set(raw) - {"input", "rows"}
        if extra:
            diags.append(
                Diagnostic(
                    BAD_UNIT,
                    f"unknown key(s) {sorted(extra)} in given[{index}]",
                    location=test.where(path),
                    hint="each given entry is {input: NAME, rows: [...]} or {NAME: [...]}",
                )
            )
    elif len(raw) == 1:
        ((name, rows_raw),) = raw.items()
    else:
        diags.append(
            Diagnostic(
                BAD_UNIT,
                f"given[{index}] must be {{input: NAME, rows: [...]}} or {{NAME: [...]}}",
                location=test.where(path),
            )
        )
        return None
    if not isinstance(name, str) or not name:
        diags.append(
            Diagnostic(
                BAD_UNIT,
                f"given[{index}]: the input name must be a string",
                location=test.where(path),
            )
        )
        return None
    rows = _rows(rows_raw, f"{path}.rows", test, diags)
    return UnitInput(name, rows) if rows is not None else None


def _rows(
    raw: object, path: str, test: DataTest, diags: list[Diagnostic]
) -> tuple[Mapping[str, Any], ...] | None:
    if raw is None:
        raw = []
    if (
        not isinstance(raw, Sequence)
        or isinstance(raw, str)
        or not all(isinstance(r, Mapping) for r in raw)
    ):
        diags.append(
            Diagnostic(
                BAD_UNIT,
                f"{path} must be a list of rows (mappings of column -> value)",
                location=test.where(path),
            )
        )
        return None
    return tuple(raw)
