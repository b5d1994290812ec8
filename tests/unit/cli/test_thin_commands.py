"""The CLI is thin: a command parses options, calls `streamt.context.Context`, renders and
returns an exit code. Orchestration (which systems, which plan, which tests) lives on `Context`,
the same object Python users call, so a command that grows its own is caught here."""

from __future__ import annotations

import ast
from pathlib import Path

CLI = Path(__file__).resolve().parents[3] / "src" / "streamt" / "cli"

# what the commands may import besides streamt.cli itself: the facade, the error types, the
# redaction of output, and what renders values the facade returns
ALLOWED = {
    "streamt",  # __version__
    "streamt.context",
    "streamt.diagnostics",
    "streamt.redact",
    "streamt.adapters.protocols",  # AdapterError: an unreachable system is exit 5
    "streamt.apply.executor",  # StepResult / ApplyReport / phases: rendering an apply
    "streamt.apply.status",  # ResourceStatus: rendering a status row (type only)
    "streamt.artifacts.plan_file",  # plan.json
    "streamt.resources",  # Plan (type)
    "streamt.plan",  # render_text of a plan
    "streamt.testing.results",  # RunSummary / render_text of test results
    "streamt.docs.serve",  # `docs serve`: the local HTTP server and file watcher it runs
    "streamt.scaffold",  # `init`: a new project where none exists yet (so no Context)
    "streamt.scaffold.cluster",  # `init --from-cluster`: sources drafted from a live cluster
    "streamt.catalogue",  # `explain`: the diagnostic codes' entries
}


def _modules() -> list[Path]:
    return sorted(CLI.rglob("*.py"))


def test_the_cli_imports_only_the_facade_and_renderers() -> None:
    imported = set()
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported.update(a.name for a in node.names)
    internal = {m for m in imported if m.split(".")[0] == "streamt"}
    assert internal - {m for m in internal if m.startswith("streamt.cli")} <= ALLOWED


def test_every_command_is_about_twenty_lines() -> None:
    lengths = {}
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text())):
            decorators = [ast.unparse(d) for d in getattr(node, "decorator_list", [])]
            if isinstance(node, ast.FunctionDef) and any("command" in d for d in decorators):
                body = node.body[1:] if isinstance(node.body[0], ast.Expr) else node.body
                lengths[node.name] = body[-1].end_lineno - body[0].lineno + 1  # type: ignore[operator]
    assert len(lengths) >= 10  # every command was found
    assert {name: n for name, n in lengths.items() if n > 24} == {}
