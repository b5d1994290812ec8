"""One `streamt test` run over a loaded + compiled project (what `Context.test` calls).

`run_project_tests(project, compiled, environ, options)` builds the `TestEnv` from `runtime:`
(resolving `${VAR}` in memory), runs the selected tests (unit tests through `UnitRunner`) and
returns their results; `write_junit` writes the JUnit XML report; `blocking_diagnostics` is what
`apply` consults for `block_deploy`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from streamt.compile.result import CompileResult
from streamt.diagnostics import Diagnostic
from streamt.load.ids import NodeId, NodeKind
from streamt.load.model import Project, TestType
from streamt.redact import redact
from streamt.resources import Action, Plan, ResourceKind
from streamt.testing.env import env_from_project
from streamt.testing.junit import to_junit_xml
from streamt.testing.results import TestResult, blocking_failures
from streamt.testing.runner import RunOptions, blocking_tests, run_tests, selected_specs
from streamt.testing.unit import UnitRunner


def run_project_tests(
    project: Project,
    compiled: CompileResult | None,
    environ: Mapping[str, str],
    options: RunOptions,
    progress: Callable[[str], None] | None = None,
) -> list[TestResult]:
    env = env_from_project(project, environ)
    return run_tests(
        project, compiled, env, options, unit_runner=UnitRunner(project), progress=progress
    )


def continuous_nodes(project: Project, options: RunOptions) -> frozenset[str]:
    """Node ids of the continuous tests `options` choose (what `test --deploy` plans)."""
    chosen = selected_specs(project, replace(options, types=frozenset({TestType.CONTINUOUS})))
    return frozenset(str(s.node) for s in chosen if s.node is not None)


def deploy_outcomes(
    plan: Plan, done: Mapping[str, tuple[bool, str]]
) -> dict[str, tuple[bool, str]]:
    """Test name -> (deployed?, what apply did) for the test jobs of `plan`, from each applied
    change's (ok, step message) in `done`, keyed by its address."""
    out: dict[str, tuple[bool, str]] = {}
    for change in plan.changes:
        if change.kind is not ResourceKind.TEST_JOB:
            continue
        if change.action is Action.NOOP:
            out[change.name] = (True, "deployed: its job runs, up to date")
            continue
        ok, message = done.get(change.address, (False, "not applied: an earlier step failed"))
        out[change.name] = (ok, f"deployed ({change.action.value}): {message}" if ok else message)
    return out


def systems_needed(project: Project, options: RunOptions) -> frozenset[str]:
    """The systems the tests `options` choose talk to (for `Context.preflight`)."""
    from streamt.state.probe import needed_by_tests

    types = {t.type.value for t in project.tests}
    if options.types:
        types &= {t.value for t in options.types}
    return needed_by_tests(types)


def blocking_diagnostics(
    project: Project, compiled: CompileResult | None, environ: Mapping[str, str]
) -> list[Diagnostic]:
    """For `apply`: run the tests with `on_failure: block_deploy` (no alerts, no pause; continuous
    ones report their violations) and return one T101 error per failing one ([] = deploy)."""
    specs = blocking_tests(project)
    if not specs:
        return []
    options = RunOptions(tests=frozenset(s.name for s in specs), take_actions=False)
    return blocking_failures(run_project_tests(project, compiled, environ, options))


def names_from_selection(
    node_ids: Iterable[str], project: str
) -> tuple[frozenset[str], frozenset[str]]:
    """Graph node ids (`kind.project.name`) of `project` -> (target names, test names)."""
    targets: set[str] = set()
    tests: set[str] = set()
    for text in node_ids:
        node = NodeId.parse(text, project)
        if node is not None:
            (tests if node.kind is NodeKind.TEST else targets).add(node.name)
    return frozenset(targets), frozenset(tests)


def write_junit(path: Path, results: Sequence[TestResult], project: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(redact(to_junit_xml(results, project)), encoding="utf-8")


RESULTS_FILE = "test_results.json"


def write_results(folder: Path, results: Sequence[TestResult], project: str) -> Path:
    """`test_results.json` in `folder`: each test's last outcome (the docs site shows them)."""
    folder.mkdir(parents=True, exist_ok=True)
    doc = {"project": project, "results": [r.to_dict() for r in results]}
    path = folder / RESULTS_FILE
    path.write_text(redact(json.dumps(doc, indent=2, sort_keys=True)) + "\n", encoding="utf-8")
    return path
