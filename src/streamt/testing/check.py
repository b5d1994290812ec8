"""Static checks of a project's data tests: `check_tests(project) -> list[Diagnostic]`.

Called by `streamt validate` (and by `streamt test` before running anything). Pure: reads the
loaded project (and, when given, the compiled output columns per model) and never raises.
Codes (T001-T005, bad assertion input, are refused at load by `streamt.load.assertions`; the
same numbers are used for actions and unit cases here): T006 assertion vs test type, T007 unknown column,
T008 unknown target, T009 unknown foreign-key ref, T010 on_failure actions, T011 dlq misuse,
T012 unit cases, T013 option ignored for this type, T014 duplicate test, T015 custom_sql,
T120 a duration longer than a continuous test's Flink interval can hold.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet

from streamt.diagnostics import Diagnostic, Location, Severity, did_you_mean
from streamt.load.durations import format_ms
from streamt.load.ids import NodeKind, node_id
from streamt.load.model import DataTest, Project, TestType
from streamt.testing.assertions import Assertion, AssertionKind, CustomSql, ForeignKey, UniqueKey
from streamt.testing.predicate import predicate_columns
from streamt.testing.spec import DlqAction, ParsedTest, parse_test
from streamt.testing.sqltree import MAX_INTERVAL_DAYS, MAX_INTERVAL_MS
from streamt.validate.names import topic_problem
from streamt.validate.reserved import reserved_reason

WRONG_TYPE = "T006"
UNKNOWN_COLUMN = "T007"
UNKNOWN_TARGET = "T008"
UNKNOWN_REF = "T009"
DLQ_MISUSE = "T011"
IGNORED = "T013"
DUPLICATE = "T014"
BAD_SQL = "T015"
TOO_LONG = "T120"

SUPPORTED: dict[TestType, frozenset[AssertionKind]] = {
    TestType.SCHEMA: frozenset({AssertionKind.NOT_NULL, AssertionKind.ACCEPTED_TYPES}),
    TestType.SAMPLE: frozenset(AssertionKind),
    TestType.CONTINUOUS: frozenset(AssertionKind),
    TestType.UNIT: frozenset(AssertionKind) - {AssertionKind.THROUGHPUT, AssertionKind.FRESHNESS},
}


def check_tests(
    project: Project, output_columns: Mapping[str, Sequence[str]] | None = None
) -> list[Diagnostic]:
    """Every problem of every test; `output_columns` maps model/source name -> known columns."""
    columns: dict[str, Sequence[str]] = dict(declared_columns(project))
    columns.update(output_columns or {})
    diags: list[Diagnostic] = []
    seen: dict[str, DataTest] = {}
    names = frozenset(s.name for s in project.sources) | {m.name for m in project.models}
    for test in project.tests:
        if test.name in seen:
            first = seen[test.name].location
            diags.append(
                Diagnostic(
                    DUPLICATE,
                    f"duplicate test name '{test.name}'",
                    location=test.location,
                    hint=f"first defined at {first}",
                    node=node_id(NodeKind.TEST, project.name, test.name),
                )
            )
        seen.setdefault(test.name, test)
        spec, problems = parse_test(test, project)
        diags.extend(problems)
        diags.extend(_check_spec(spec, test, project, names, columns))
    return diags


def columns_read_by_tests(project: Project) -> dict[str, tuple[str, ...]]:
    """Columns each data test reads, per target (model or source) name: demand the compiler
    passes back to sources whose columns are inferred (a test on a `SELECT *` model)."""
    out: dict[str, dict[str, None]] = {}
    for test in project.tests:
        spec, _ = parse_test(test, project)
        for a in spec.assertions:
            used = list(a.columns())
            if isinstance(a.spec, CustomSql):
                parsed = predicate_columns(a.spec)
                used += parsed if isinstance(parsed, list) else []
            out.setdefault(spec.target, {}).update(dict.fromkeys(used))
            if isinstance(a.spec, ForeignKey):
                out.setdefault(a.spec.ref, {})[a.spec.ref_column] = None
    return {name: tuple(cols) for name, cols in out.items() if cols}


def declared_columns(project: Project) -> dict[str, tuple[str, ...]]:
    """Columns written in YAML: a source's `columns`, a model's `columns` (when declared)."""
    out: dict[str, tuple[str, ...]] = {}
    for source in project.sources:
        if source.columns:
            out[source.name] = tuple(c.name for c in source.columns)
    for model in project.models:
        if model.columns:
            out[model.name] = tuple(c.name for c in model.columns)
    return out


def _check_spec(
    spec: ParsedTest,
    test: DataTest,
    project: Project,
    names: AbstractSet[str],
    columns: Mapping[str, Sequence[str]],
) -> list[Diagnostic]:
    out: list[Diagnostic] = []

    node = str(spec.node)

    def add(
        code: str,
        message: str,
        where: Location,
        hint: str = "",
        severity: Severity = Severity.ERROR,
    ) -> None:
        out.append(Diagnostic(code, f"test '{test.name}': {message}", severity, where, hint, node))

    if spec.target not in names:
        add(
            UNKNOWN_TARGET,
            f"'{spec.target}' is neither a model nor a source",
            test.where("model"),
            did_you_mean(spec.target, names),
        )
    if test.sample_size is not None and spec.type is not TestType.SAMPLE:
        add(
            IGNORED,
            f"sample_size is only used by sample tests (this is a {spec.type.value} test)",
            test.where("sample_size"),
            severity=Severity.WARNING,
        )
    if spec.type is not TestType.UNIT and (test.given or test.expect is not None):
        add(
            IGNORED,
            "given/expect are only used by unit tests",
            test.where("given"),
            "set `type: unit`",
            Severity.WARNING,
        )
    known = columns.get(spec.target)
    for a in spec.assertions:
        if a.kind not in SUPPORTED[spec.type]:
            ok = ", ".join(sorted(k.value for k in SUPPORTED[spec.type]))
            add(
                WRONG_TYPE,
                f"'{a.kind.value}' cannot be checked by a {spec.type.value} test",
                a.location,
                f"{spec.type.value} tests support: {ok}" if ok else "",
            )
        for problem in _assertion_problems(a, spec, known, names, columns):
            add(problem[0], problem[1], a.location, problem[2])
    if any(isinstance(x, DlqAction) for x in spec.actions):
        if spec.type is not TestType.CONTINUOUS or not any(a.row_level for a in spec.assertions):
            add(
                DLQ_MISUSE,
                "dlq routes violating records of a continuous test with row-level assertions",
                test.where("on_failure"),
                "row-level: not_null, accepted_values, range, accepted_types, custom_sql, max_lag",
            )
        for x in spec.actions:
            if isinstance(x, DlqAction) and x.topic is not None:
                _dlq_topic_problems(x.topic, test.where("on_failure"), add)
            if (
                isinstance(x, DlqAction)
                and x.model is not None
                and x.model not in {m.name for m in project.models}
            ):
                add(
                    UNKNOWN_REF,
                    f"dlq model '{x.model}' is not a model",
                    test.where("on_failure"),
                    did_you_mean(x.model, [m.name for m in project.models]),
                )
    return out


def _dlq_topic_problems(topic: str, where: Location, add: Callable[..., None]) -> None:
    """The DLQ topic is created and written by the test job: Kafka's name rule and the
    reserved topics apply to it as to a model's output (V002, V140)."""
    problem = topic_problem(topic)
    if problem:
        add("V002", f"dlq topic '{topic}' {problem}", where, "Kafka topic names use [a-zA-Z0-9._-]")
    reason = reserved_reason(topic)
    if reason:
        add(
            "V140", f"dlq topic '{topic}' is {reason}", where, "write the DLQ to a topic of its own"
        )


Problem = tuple[str, str, str]


def _assertion_problems(
    a: Assertion,
    spec: ParsedTest,
    known: Sequence[str] | None,
    names: AbstractSet[str],
    columns: Mapping[str, Sequence[str]],
) -> list[Problem]:
    problems: list[Problem] = []
    used = list(a.columns())
    if isinstance(a.spec, CustomSql):
        parsed = predicate_columns(a.spec)
        if isinstance(parsed, str):
            problems.append(
                (
                    BAD_SQL,
                    f"{a.label}: cannot parse the predicate: {parsed}",
                    "write a Flink SQL boolean expression",
                )
            )
        else:
            used.extend(parsed)
    if known is not None:
        for col in used:
            if col not in known:
                problems.append(
                    (
                        UNKNOWN_COLUMN,
                        f"{a.label}: column '{col}' is not a column of '{spec.target}'",
                        did_you_mean(col, known) or "columns: " + ", ".join(known),
                    )
                )
    if isinstance(a.spec, ForeignKey):
        if a.spec.ref not in names:
            problems.append(
                (
                    UNKNOWN_REF,
                    f"{a.label}: ref '{a.spec.ref}' is neither a model nor a source",
                    did_you_mean(a.spec.ref, names),
                )
            )
        ref_cols = columns.get(a.spec.ref)
        if ref_cols is not None and a.spec.ref_column not in ref_cols:
            problems.append(
                (
                    UNKNOWN_COLUMN,
                    f"{a.label}: '{a.spec.ref_column}' is not a column of '{a.spec.ref}'",
                    did_you_mean(a.spec.ref_column, ref_cols),
                )
            )
    if spec.type is TestType.CONTINUOUS:
        for key, ms in a.spec.durations().items():
            if ms > MAX_INTERVAL_MS:
                problems.append(
                    (
                        TOO_LONG,
                        f"{a.label}: '{key}' of {format_ms(ms)} is longer than a Flink interval "
                        f"of a continuous test can be ({MAX_INTERVAL_DAYS} days)",
                        "use a shorter duration, or a sample test (judged in Python)",
                    )
                )
    if (
        isinstance(a.spec, UniqueKey)
        and spec.type is TestType.CONTINUOUS
        and a.spec.tolerance > 0
        and a.spec.window_ms is None
    ):
        problems.append(
            (
                WRONG_TYPE,
                f"{a.label}: a tolerance needs a window in a continuous test",
                "add e.g. `window: 1m` (the duplicate rate is judged per window)",
            )
        )
    return problems
