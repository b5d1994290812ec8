"""The facade: one `Context` per invocation, the CLI's and the Python API's one entry.

It wires rooms together (load -> graph -> compile -> validate -> artifacts; plan -> apply,
rollback, status; data tests) and holds no logic of its own beyond that wiring and caching.
Everything returns values; user errors are raised as `StreamtError` carrying diagnostics,
rendered once by the CLI. Constructing a `Context` reads `.env` files only; the project is
loaded on first use and the systems are reached only by plan, plan_file, apply, destroy,
rollback, status, test, blocking_test_failures, pull_schemas and `validate(flink=True)`.

    ctx = Context.load(Path("my-project"))
    report = ctx.validate(strict=True)
    result = ctx.compile(select="+orders_clean")
    plan = ctx.plan(select="+orders_clean")
    report = ctx.apply(plan)
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from streamt import cache
from streamt.diagnostics import (
    Diagnostic,
    Location,
    Severity,
    StreamtError,
    has_errors,
    sorted_diagnostics,
)
from streamt.load.files import read_bounded

if TYPE_CHECKING:
    from streamt.apply.deployment import Deployment
    from streamt.apply.executor import ApplyReport, Progress
    from streamt.apply.status import StatusReport
    from streamt.apply.step import ApplyOptions
    from streamt.artifacts.columns import ColumnPath
    from streamt.compile import CompileResult, SchemaLock
    from streamt.compile.memo import ModelMemo, SessionMemo
    from streamt.compile.specs import DesiredState
    from streamt.graph.dag import Graph
    from streamt.load.chunks import ChunkReader
    from streamt.load.jinja import Refs
    from streamt.load.loader import LoadResult
    from streamt.load.model import Project
    from streamt.resources import Plan
    from streamt.schemas.pull import PullResult
    from streamt.state import Systems
    from streamt.state.probe import Probe
    from streamt.testing.results import TestResult
    from streamt.testing.runner import RunOptions


@dataclass(frozen=True)
class ValidationReport:
    project_name: str | None
    counts: Mapping[str, int]  # sources / models / tests / exposures
    diagnostics: tuple[Diagnostic, ...]
    strict: bool = False
    flink_checked: bool = False
    cached: bool = False  # served from the result cache (nothing changed since the last run)
    project: Project | None = None  # None when cached or when nothing loaded

    @property
    def errors(self) -> int:
        return sum(d.severity is Severity.ERROR for d in self.diagnostics)

    @property
    def warnings(self) -> int:
        return sum(d.severity is Severity.WARNING for d in self.diagnostics)

    @property
    def ok(self) -> bool:
        return self.errors == 0 and not (self.strict and self.warnings)

    def to_dict(self) -> dict[str, object]:
        """`validate --format json`."""
        return {
            "ok": self.ok,
            "project": self.project_name,
            "strict": self.strict,
            "flink_checked": self.flink_checked,
            "cached": self.cached,
            "errors": self.errors,
            "warnings": self.warnings,
            "counts": dict(self.counts),
            "diagnostics": [d.to_dict() for d in self.diagnostics],
        }


@dataclass(frozen=True)
class CompileSummary:
    """What `streamt compile` reports: artifact counts, diagnostics, where files went."""

    project_name: str
    counts: Mapping[str, int]  # topics / schemas / flink jobs / connectors / gateway rules
    diagnostics: tuple[Diagnostic, ...]
    out_dir: Path | None  # None for a dry run
    cached: bool = False  # artifacts on disk were already up to date

    def to_dict(self) -> dict[str, object]:
        """`compile --format json`."""
        return {
            "project": self.project_name,
            "dry_run": self.out_dir is None,
            "output": str(self.out_dir) if self.out_dir else None,
            "up_to_date": self.cached,
            "artifacts": dict(self.counts),
            "diagnostics": [d.to_dict() for d in self.diagnostics],
        }


@dataclass(frozen=True)
class DebugReport:
    """What `streamt debug` shows: the environment, its runtime and what each system answered."""

    environment: str
    runtime_declared: bool  # False: `runtime:` omitted, the local stack's endpoints
    runtime: Mapping[str, object]  # resolved, credentials masked
    probes: tuple[Probe, ...]
    diagnostics: tuple[Diagnostic, ...]  # A060-A064 unreachable, A065 missing Connect plugin

    @property
    def reachable(self) -> bool:
        return all(p.ok for p in self.probes)

    def to_dict(self) -> dict[str, object]:
        return {
            "environment": self.environment,
            "runtime_declared": self.runtime_declared,
            "runtime": self.runtime,
            "probes": [p.to_dict() for p in self.probes],
            "diagnostics": [d.to_dict() for d in self.diagnostics],
        }

    def rows(self) -> list[tuple[str, ...]]:
        """One table row per system: name, endpoint, status, round trip, version, details."""
        return [
            (
                p.label,
                p.endpoint,
                "ok" if p.ok else "REFUSED" if p.refused else "UNREACHABLE",
                f"{p.rtt_ms:.0f} ms" if p.rtt_ms is not None else "-",
                p.version or "-",
                "; ".join(
                    filter(None, (p.detail, f"{len(p.plugins)} plugin(s)" * bool(p.plugins)))
                ),
            )
            for p in self.probes
        ]


@dataclass
class Session:
    """What a resident process (`validate --watch`, `compile --watch`) keeps from one run to the
    next: each YAML file's entries as last read (`ChunkReader`: an edit re-reads only the
    entries it touched), what each model SQL text captured (its refs, var() reads) and every
    model's last compilation (`SessionMemo`: a model whose object and inputs are those of last
    time is not compiled again). A run through a session gives the
    result a cold run gives; the result caches on disk are neither read nor written."""

    reader: ChunkReader = field(default_factory=lambda: _chunk_reader())
    memo: SessionMemo = field(default_factory=lambda: _session_memo())

    def __post_init__(self) -> None:
        self.memo.moved = self.reader.moved  # what a load moved, the memo moves along

    refs: dict[str, Refs] = field(default_factory=dict)  # what each model SQL text captured
    inputs: object = None  # the environment, --vars and variables all of it was made with

    def bind(self, inputs: object) -> None:
        """Keep what was kept only if it was made with the same `inputs` (else start over)."""
        if inputs != self.inputs:
            fresh = Session()
            self.reader, self.memo, self.refs, self.inputs = fresh.reader, fresh.memo, {}, inputs


def _chunk_reader() -> ChunkReader:
    from streamt.load.chunks import ChunkReader

    return ChunkReader()


def _session_memo() -> SessionMemo:
    from streamt.compile.memo import SessionMemo

    return SessionMemo()


@dataclass
class Context:
    project_dir: Path = field(default_factory=Path.cwd)
    env: str | None = None
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    dotenv: bool = True  # layer <project>/.env and .env.<env> under `environ` (environ wins)
    state_dir: Path | None = None  # an earlier compile's output, for `state:modified`
    exclude: str | None = None  # `--exclude`: selectors taken out of every selection
    variables: Mapping[str, object] = field(default_factory=dict)  # `--vars`, for var()
    systems: Systems | None = None  # the systems to deploy to; default: the project's runtime:
    session: Session | None = None  # a resident process's state, kept between its runs
    _load: LoadResult | None = field(default=None, init=False, repr=False)
    _graph: tuple[Graph, list[Diagnostic]] | None = field(default=None, init=False, repr=False)
    _lock: tuple[SchemaLock | None, list[Diagnostic]] | None = field(
        default=None, init=False, repr=False
    )
    _deployments: dict[bool, Deployment] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self.project_dir = Path(self.project_dir)
        if self.env is None and (self._root() / "environments").is_dir():
            # STREAMT_ENV (then project.default_environment) only selects an overlay in a
            # project that has environments/
            from streamt.load.loader import default_environment

            self.env = self.environ.get("STREAMT_ENV") or default_environment(self.project_dir)
        if self.dotenv:
            self.environ = {**_dotenv(self._root(), self.env), **self.environ}
        from streamt.redact import remember_secrets, secret_names

        remember_secrets(self.environ[n] for n in secret_names(self.environ))
        if self.session is not None:
            given = sorted((k, repr(v)) for k, v in self.variables.items())
            self.session.bind((self.env, given, sorted(self.environ.items())))

    @classmethod
    def load(
        cls,
        project_dir: Path | str,
        env: str | None = None,
        *,
        environ: Mapping[str, str] | None = None,
        systems: Systems | None = None,
        variables: Mapping[str, object] | None = None,
    ) -> Context:
        """A context over a project that loads cleanly, else `StreamtError` with every load
        problem. `environ` defaults to `os.environ`, `systems` to the project's `runtime:`,
        `variables` (what var() reads, as `--vars`) to none."""
        environ = dict(os.environ) if environ is None else environ
        given = dict(variables or {})
        ctx = cls(Path(project_dir), env, environ=environ, systems=systems, variables=given)
        ctx.project()
        return ctx

    # ------------------------------------------------------------------ load / graph
    def load_result(self) -> LoadResult:
        if self._load is None:
            from streamt.load.loader import load_project

            reader = self.session.reader if self.session is not None else None
            self._load = load_project(self.project_dir, self.env, reader)
            if self._load.project is not None:
                _remember_secrets(self._load.project, self.environ)
        return self._load

    def project(self) -> Project:
        """The project, or `StreamtError` with every load problem."""
        result = self.load_result()
        if result.project is None or has_errors(result.diagnostics):
            raise StreamtError(result.diagnostics or [Diagnostic("L001", "project not loaded")])
        return result.project

    def graph_result(self) -> tuple[Graph, list[Diagnostic]]:
        """The DAG of what loaded (possibly partial) and its diagnostics; raises only when
        nothing loaded."""
        if self._graph is None:
            from streamt.graph.dag import build_graph

            project = self.load_result().project
            if project is None:
                self.project()  # raises with the load diagnostics
            assert project is not None
            from streamt.load.jinja import Variables

            variables = Variables(self.variables, self.environ)
            refs = self.session.refs if self.session is not None else None
            self._graph = build_graph(project, self.load_result().failed, variables, refs)
        return self._graph

    def graph(self) -> Graph:
        """The DAG of a cleanly loaded project; raises on cycles and unknown references."""
        self.project()
        graph, diags = self.graph_result()
        if has_errors(diags):
            raise StreamtError(sorted_diagnostics(diags))
        return graph

    def select(self, expr: str | None, graph: Graph | None = None) -> frozenset[str] | None:
        """The nodes `expr` chooses (every node when empty) less those `exclude` chooses;
        None when neither is given (everything)."""
        if not expr and not self.exclude:
            return None
        from streamt.graph.select import select

        graph = graph or self.graph()
        modified = self.modified_nodes() if "state:" in f"{expr} {self.exclude}" else None
        chosen, diags = select(graph, expr, modified) if expr else (frozenset(graph.nodes), [])
        if self.exclude:
            dropped, more = select(graph, self.exclude, modified)
            chosen, diags = chosen - dropped, [*diags, *more]
        if has_errors(diags):
            raise StreamtError(diags)
        return chosen

    def modified_nodes(self) -> frozenset[str] | None:
        """Nodes whose compiled form differs from `state_dir/manifest.json` (None: no state)."""
        if self.state_dir is None:
            return None
        import json

        from streamt.artifacts import render_artifacts
        from streamt.artifacts.write import MANIFEST
        from streamt.compile import compile_project
        from streamt.graph.state import modified_nodes

        path = Path(self.state_dir) / MANIFEST
        try:
            previous = json.loads(read_bounded(path))
        except (OSError, ValueError, RecursionError) as exc:
            raise StreamtError(
                Diagnostic(
                    "G013",
                    f"cannot read the previous manifest {path}: {exc}",
                    location=Location(str(path)),
                    hint="--state takes the output directory of an earlier `streamt compile`",
                )
            ) from None
        project, graph = self.project(), self.graph()
        result = compile_project(
            project, graph, lock=self.schema_lock()[0], tests=partial(_test_columns, project)
        )
        current = json.loads(render_artifacts(result)[MANIFEST])
        return modified_nodes(previous if isinstance(previous, dict) else {}, current)

    # ------------------------------------------------------------------ compile / validate
    def schema_lock(self) -> tuple[SchemaLock | None, list[Diagnostic]]:
        """`schemas.lock` beside `stream_project.yml` (columns pulled from the registry), if any."""
        if self._lock is None:
            from streamt.compile import LOCK_FILE, parse_lock
            from streamt.compile.schemas import SchemaProblem
            from streamt.load.discover import is_inside
            from streamt.load.loader import outside_diagnostic

            project = self.load_result().project
            if project is None:
                return None, []
            path = Path(project.root) / LOCK_FILE
            if path.is_file() and not is_inside(Path(project.root).resolve(), path):
                self._lock = (None, [outside_diagnostic(Path(project.root), path)])
                return self._lock
            try:
                text = read_bounded(path).decode("utf-8") if path.is_file() else None
                self._lock = (parse_lock(text) if text is not None else None, [])
            except (OSError, UnicodeDecodeError, SchemaProblem) as exc:
                self._lock = (
                    None,
                    [
                        Diagnostic(
                            "L020",
                            f"cannot read {LOCK_FILE}: {exc}",
                            location=Location(LOCK_FILE),
                            hint="re-create it with streamt schemas pull",
                        )
                    ],
                )
        return self._lock

    def compile(self, select: str | None = None) -> CompileResult:
        """Compile (in memory); raises with every error if the project does not compile or
        breaks a validation rule (invalid names, governance)."""
        return self._compile(select, None)

    def _compile(
        self, select: str | None, memo: ModelMemo | None, jobs: bool = True
    ) -> CompileResult:
        from streamt.compile import compile_project

        project, graph = self.project(), self.graph()
        lock, lock_diags = self.schema_lock()
        if lock_diags:
            raise StreamtError(lock_diags)
        chosen = self.select(select)
        result = compile_project(
            project,
            graph,
            select=chosen,
            lock=lock,
            jobs=jobs,
            memo=memo,
            tests=partial(_test_columns, project),
        )
        from streamt.validate import validate_project

        # names, topics and governance rules gate every artifact (compile, plan, apply)
        problems = [*result.diagnostics, *validate_project(project, graph, result.desired)]
        if has_errors(problems):
            raise StreamtError(sorted_diagnostics(d for d in problems if d.is_error))
        if not jobs or not any(t.type.value == "continuous" for t in project.tests):
            return result  # (the testing room, and the HTTP client it loads, not imported)
        from streamt.testing.deployed import with_test_jobs

        # continuous tests' jobs and topics: compiled with the project, planned once deployed
        return with_test_jobs(project, result)

    def validate(
        self,
        strict: bool = False,
        flink: bool = False,
        use_cache: bool = True,
        select: str | None = None,
    ) -> ValidationReport:
        """Every problem in the project, sorted: load, graph, compile/SQL and validation rules.

        Without `flink`, an unchanged project is answered from the result cache. With `select`
        (or `exclude`) the whole project is still validated (as dbt parses all of it), and only
        the problems of the chosen nodes are reported, with those of no node (project, load,
        environment), which no selection can hide.
        """
        report = self._validate_all(strict, flink, use_cache)
        if (not select and not self.exclude) or report.project_name is None:
            return report
        graph, graph_diags = self.graph_result()
        if has_errors(graph_diags):  # a cycle or a dangling ref: nothing to select from
            return report
        chosen = self.select(select, graph) or frozenset()
        kept = tuple(d for d in report.diagnostics if not d.node or d.node in chosen)
        return dataclasses.replace(report, diagnostics=kept)

    def _validate_all(self, strict: bool, flink: bool, use_cache: bool) -> ValidationReport:
        if self.session is not None:
            self.session.memo.new_run()
            return self._validate(strict, flink, self.session.memo)
        key = self._cache_key("validate", ()) if use_cache and not flink else None
        hit = self._cache_hit("validate", key)
        if hit is not None:
            diags = tuple(cache.diagnostic_from_dict(d) for d in hit["diagnostics"])
            return ValidationReport(hit["project_name"], hit["counts"], diags, strict, cached=True)
        memo = cache.read_memo(self.project_dir, "validate") if key else None
        report = self._validate(strict, flink, memo)
        if memo is not None:
            cache.write_memo(self.project_dir, "validate", memo)
        if key and report.project_name is not None:
            cache.write(
                self.project_dir,
                "validate",
                key,
                {
                    "project_name": report.project_name,
                    "counts": dict(report.counts),
                    "diagnostics": [d.to_dict() for d in report.diagnostics],
                    "reads": self._reads(),
                },
            )
        return report

    def _validate(self, strict: bool, flink: bool, memo: ModelMemo | None) -> ValidationReport:
        loaded = self.load_result()
        diags = list(loaded.diagnostics)
        project = loaded.project
        if project is None:
            return ValidationReport(None, {}, tuple(sorted_diagnostics(diags)), strict)
        graph, graph_diags = self.graph_result()
        diags += graph_diags
        desired = None
        compiled = None
        columns: dict[str, list[str]] = {}
        # compile needs an order (no cycle, no duplicate); a reference to an unknown node only
        # leaves its reader (and theirs) uncompiled, so the rest is still checked. Load errors
        # only drop the nodes that failed
        if not has_errors(d for d in graph_diags if d.code not in UNKNOWN_REFERENCE):
            from streamt.compile import compile_project

            lock, lock_diags = self.schema_lock()
            # job scripts are only needed to EXPLAIN them on Flink
            result = compile_project(
                project,
                graph,
                lock=lock,
                jobs=flink,
                memo=memo,
                tests=partial(_test_columns, project),
            )
            diags += lock_diags + list(result.diagnostics)
            desired, compiled = result.desired, result.nodes
            failed = {d.node for d in result.diagnostics if d.is_error}
            for node in sorted(result.nodes.values(), key=lambda n: n.kind != "source"):
                if node.id in failed:  # reported: its tests are checked on declared columns only
                    continue
                columns[node.name] = [c.name for c in node.columns]  # a model wins over a source
        from streamt.testing.check import check_tests
        from streamt.validate import validate_project

        diags += validate_project(project, graph, desired, compiled)
        diags += _without_duplicate_targets(check_tests(project, columns), graph_diags)
        checked = False
        if flink and desired is not None and not has_errors(diags):
            diags += self._explain_on_flink(project, desired)
            checked = True
        counts = {
            "sources": len(project.sources),
            "models": len(project.models),
            "tests": len(project.tests),
            "exposures": len(project.exposures),
        }
        final = tuple(_dedupe(sorted_diagnostics(diags)))
        return ValidationReport(project.name, counts, final, strict, checked, project=project)

    def build(
        self,
        out_dir: Path | None,
        select: str | None = None,
        dry_run: bool = False,
        use_cache: bool = True,
    ) -> CompileSummary:
        """Compile and write the artifacts to `out_dir` (default `<project>/target`), unless
        the artifacts there are already what this project compiles to."""
        target = Path(out_dir) if out_dir is not None else self._root() / "target"
        key = None
        if use_cache and not dry_run and self.session is None:
            scope = f"{select or ''} --exclude {self.exclude or ''}"
            key = self._cache_key("compile", (str(target.resolve()), scope))
        hit = self._cache_hit("compile", key)
        if hit is not None and all(
            cache.file_digest(target / rel) == sha for rel, sha in hit["files"].items()
        ):
            diags = tuple(cache.diagnostic_from_dict(d) for d in hit["diagnostics"])
            return CompileSummary(hit["project_name"], hit["counts"], diags, target, cached=True)
        memo = cache.read_memo(self.project_dir, "compile") if key else None
        if self.session is not None:
            memo = self.session.memo
            self.session.memo.new_run()
        try:
            result = self._compile(select, memo)
        finally:
            if memo is not None and key:
                cache.write_memo(self.project_dir, "compile", memo)
        desired = result.desired
        counts = {
            "topics": len(desired.topics),
            "schemas": len(desired.subjects),
            "flink jobs": len(desired.jobs),
            "connectors": len(desired.connectors),
            "gateway rules": len(desired.gateway_rules),
        }
        diags = tuple(sorted_diagnostics(result.diagnostics))
        if dry_run:
            return CompileSummary(desired.project, counts, diags, None)
        from streamt.artifacts import render_artifacts
        from streamt.artifacts.write import write_rendered

        rendered = render_artifacts(result)
        write_rendered(rendered, target)
        if key:
            files = {rel: cache.text_digest(text) for rel, text in rendered.items()}
            cache.write(
                self.project_dir,
                "compile",
                key,
                {
                    "project_name": desired.project,
                    "counts": counts,
                    "files": files,
                    "diagnostics": [d.to_dict() for d in diags],
                    "reads": self._reads(),
                },
            )
        return CompileSummary(desired.project, counts, diags, target)

    def _cache_hit(self, kind: str, key: str | None) -> dict[str, Any] | None:
        """The cached `kind` result for `key` while every var() / env_var() value the project's
        SQL read then is what it is now (a var no model reads never misses the cache)."""
        hit = cache.read(self.project_dir, kind, key) if key else None
        if hit is None or not isinstance(hit.get("reads"), dict):
            return None
        now = cache.variable_values(hit["reads"], self.variables, self.environ)
        return hit if now == hit["reads"] else None

    def _reads(self) -> dict[str, str | None]:
        """What the project's SQL read through var() / env_var() (`cache.variable_values`)."""
        graph, _ = self.graph_result()
        reads = [read for refs in graph.refs.values() for read in refs.reads]
        return cache.canonical_reads(reads)

    def _cache_key(self, kind: str, options: tuple[str, ...]) -> str | None:
        if self.environ.get("STREAMT_NO_CACHE"):
            return None
        return cache.cache_key(self.project_dir, self.env, kind, options)

    def _root(self) -> Path:
        return cache.project_root(self.project_dir) or self.project_dir

    def project_root(self) -> Path:
        """The directory holding stream_project.yml (schemas.lock, .env live there)."""
        return self._root()

    def _explain_on_flink(self, project: Project, desired: DesiredState) -> list[Diagnostic]:
        """EXPLAIN every compiled job on the SQL Gateway (`validate --flink`)."""
        from streamt.adapters import FlinkClient, http_client
        from streamt.adapters.protocols import AdapterError
        from streamt.config import missing_variable_diagnostics, resolve
        from streamt.validate.flink import explain_jobs

        flink = project.runtime.flink
        cluster = flink.cluster() if flink else None
        if cluster is not None and cluster.type == "confluent":
            return [
                Diagnostic(
                    "V182",
                    "validate --flink asks open-source Flink's SQL Gateway; the default cluster "
                    "is Confluent Cloud Flink, whose statements streamt does not EXPLAIN",
                    Severity.WARNING,
                    location=project.where("runtime.flink"),
                    hint="apply reports a statement Confluent refuses with its detail",
                )
            ]
        if flink is None or cluster is None or not cluster.rest_url or not cluster.sql_gateway_url:
            return [
                Diagnostic(
                    "V090",
                    "validate --flink needs runtime.flink with rest_url and sql_gateway_url",
                    location=project.where("runtime.flink"),
                    hint="or omit runtime: to use the local stack",
                )
            ]
        base = f"runtime.flink.clusters.{flink.default or next(iter(flink.clusters), '')}"
        urls = [
            (cluster.rest_url, project.where(f"{base}.rest_url")),
            (cluster.sql_gateway_url, project.where(f"{base}.sql_gateway_url")),
        ]
        missing = missing_variable_diagnostics(urls, self.environ)
        if missing:
            return missing
        rest, gateway = (resolve(u, self.environ) for u, _ in urls)
        client = FlinkClient(http_client(rest), http_client(gateway))
        try:
            return explain_jobs(project, desired, client.explain)
        except AdapterError as exc:
            from streamt.redact import redact

            return [
                Diagnostic(
                    "V091",
                    redact(f"cannot check jobs on the Flink SQL Gateway at {gateway}: {exc}"),
                    location=urls[1][1],
                    hint="start it (streamt local up) or drop --flink",
                )
            ]

    def debug(self) -> DebugReport:
        """`streamt debug`: the environment's resolved runtime (credentials masked) and one
        probe per system it configures; Connect's plugins against the connectors' classes."""
        from streamt.state.probe import (
            missing_plugins,
            needed_plugins,
            probe_systems,
            resolved_runtime,
        )

        project = self.project()
        environment = self.env or project.environment or "default"
        runtime = resolved_runtime(project, self.environ)
        probes = tuple(probe_systems(project, self.environ))
        needed = needed_plugins(
            [c.config for c in self._compile(None, None, jobs=False).desired.connectors]
        )
        diags = [p.diagnostic(environment) for p in probes if not p.ok]
        diags += [d for p in probes for d in missing_plugins(p, needed)]
        return DebugReport(environment, project.runtime_declared, runtime, probes, tuple(diags))

    def environments(self) -> list[dict[str, Any]]:
        """Each environment of the project (`environments/<name>.yml`): protected, whether
        apply needs its name, name prefix, description, and how many errors loading it gives."""
        from streamt.load.loader import environment_names

        rows: list[dict[str, Any]] = []
        for name in environment_names(self.project_root()):
            result = Context(self.project_dir, name).load_result()
            cfg = result.project.environment_config if result.project else None
            template = bool(cfg and cfg.environment.template)  # L115 is its selection only
            rows.append(
                {
                    "name": name,
                    "protected": bool(cfg and cfg.environment.protected),
                    "requires_name": bool(cfg and cfg.requires_name),
                    "prefix": f"{result.project.name_prefix}{name}-<id>-"
                    if result.project and template
                    else (result.project.name_prefix if result.project else ""),
                    "description": (cfg.environment.description if cfg else None) or "",
                    "template": template,
                    "errors": sum(d.is_error and d.code != "L115" for d in result.diagnostics),
                }
            )
        return rows

    def resolved_configuration(self) -> dict[str, Any]:
        """What the selected environment resolves to (runtime, defaults, rules, models'
        settings), credentials masked."""
        from streamt.load.resolved import resolved_configuration

        return resolved_configuration(self.project())

    def preflight(self, systems: Collection[str]) -> None:
        """Probe `systems` (names from `streamt.state.probe.ALL`) that the runtime configures,
        under a short timeout; raise A060-A064 (exit 5) naming each one that does not answer."""
        from streamt.state.probe import preflight

        project = self.project()
        preflight(project, self.environ, systems, self.env or project.environment or "default")

    def blocking_test_failures(self) -> list[Diagnostic]:
        """For `apply`: run the data tests with `on_failure: block_deploy` (on the live data) and
        return one T101 error per failing one; [] means deploy."""
        from streamt.testing.session import blocking_diagnostics

        return blocking_diagnostics(self.project(), self.compile(), self.environ)

    # ------------------------------------------------------------------ plan / apply (network)
    def deployment(self, *, destroy: bool = False) -> Deployment:
        """The project compiled in full with the systems it deploys to (the ledger and the live
        state are read on first use); with `destroy`, the deployment of nothing."""
        if destroy not in self._deployments:
            from streamt.apply.deployment import deployment_of

            result = None if destroy else self.compile()
            self._deployments[destroy] = deployment_of(
                self.project(), result, self.environ, self.env, self.systems
            )
        return self._deployments[destroy]

    def plan(
        self,
        select: str | None = None,
        *,
        target: str | None = None,
        reset_state: bool = False,
        adopt: tuple[str, ...] = (),
    ) -> Plan:
        """What apply would change: every resource, or those of the nodes `select` / `target`
        choose; `adopt` names (as selectors) nodes whose existing resources to adopt."""
        deployment = self.deployment()
        deployment.observed()  # an unreachable system (exit 5) is reported before a selector
        exprs = [e for e in (select, target) if e]
        scope = frozenset(self._selected(*exprs)) if exprs else self.select(None)
        adopted = frozenset(self._selected(*adopt))
        return deployment.plan(scope, reset_state=reset_state, adopt=adopted)

    def plan_file(self, path: Path) -> Plan:
        """The plan in `path`, trusted for nothing: refused unless planning again now gives
        the same changes against the same world (A005, A030)."""
        from streamt.apply.deployment import read_plan_file

        deployment = self.deployment()
        deployment.observed()  # an unreachable system is reported before a bad file
        plan = read_plan_file(path)
        deployment.replanned(plan, str(path))
        return plan

    def destroy_plan(self) -> Plan:
        """Deleting everything the ledger says this project created in this environment."""
        return self.deployment(destroy=True).plan()

    def apply_options(
        self,
        plan: Plan,
        allow_destructive: bool = False,
        heartbeat: Callable[[str], None] | None = None,
        *,
        allow_state_loss: bool = False,
    ) -> ApplyOptions:
        """The options `plan` runs with (the environment's `safety:` may allow destruction);
        refuses (preflight) a plan that would destroy what is not allowed, or lose a job's
        state without `allow_state_loss` (A140). `heartbeat` hears how a wait is going every
        10 s (a job starting, a savepoint, a gateway statement)."""
        from streamt.apply.executor import preflight
        from streamt.apply.step import ApplyOptions

        env_cfg = self.project().environment_config
        allowed = allow_destructive or bool(env_cfg and env_cfg.safety.allow_destructive)
        options = ApplyOptions(
            allow_destructive=allowed,
            allow_state_loss=allow_state_loss,
            environ=self.environ,
            heartbeat=heartbeat,
        )
        preflight(plan, options)
        return options

    def requires_name(self) -> bool:
        """Whether apply and destroy need the environment's name typed (or --confirm-env):
        `safety.confirm_apply`, by default the environment's `protected`."""
        env_cfg = self.project().environment_config
        return bool(env_cfg and env_cfg.requires_name)

    def apply(
        self,
        plan: Plan,
        options: ApplyOptions | None = None,
        progress: Progress | None = None,
        confirm: Callable[[Plan], bool] | None = None,
    ) -> ApplyReport:
        """Execute `plan` under the apply lock, refused if the world moved since it was made;
        `confirm` may still say no (an empty report)."""
        options = options or self.apply_options(plan)
        return self.deployment().apply(plan, options, progress, confirm)

    def destroy(
        self,
        plan: Plan,
        progress: Progress | None = None,
        confirm: Callable[[Plan], bool] | None = None,
    ) -> ApplyReport:
        """Execute a `destroy_plan` like `apply`."""
        from streamt.apply.step import ApplyOptions

        options = ApplyOptions(allow_destructive=True, environ=self.environ)
        return self.deployment(destroy=True).apply(plan, options, progress, confirm)

    def rollback(self, model: str) -> str:
        """Restore `model`'s previous Flink job from its upgrade savepoint; what was done."""
        from streamt.apply.step import ApplyOptions

        deployment = self.deployment()
        deployment.observed()  # an unreachable ledger is A012, as for plan, before the lock
        return deployment.rollback(model, ApplyOptions(environ=self.environ))

    def status(
        self, lag: bool = False, pattern: str | None = None, select: str | None = None
    ) -> StatusReport:
        """What runs as applied, what drifted (`lag`: message counts and consumer lag), of
        every resource or those of the nodes `select` (and `exclude`) choose."""
        from streamt.apply.status import collect_status

        d = self.deployment()
        nodes = self.select(select)
        return collect_status(
            d.desired, d.ledger, d.live, d.systems, lag=lag, pattern=pattern, nodes=nodes
        )

    def test(
        self,
        select: str | None = None,
        *,
        models: tuple[str, ...] = (),
        types: tuple[str, ...] = (),
        deploy: bool = False,
        since: str | None = None,
        start: str = "earliest",
        junit_xml: Path | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> list[TestResult]:
        """Run the data tests (of the nodes `select` chooses, of `models`, of `types`); their
        outcomes also go to `target/test_results.json` (and beside `junit_xml`, with the XML);
        `progress` gets each test's START and outcome line as it runs."""
        from streamt.load.model import TestType
        from streamt.testing import session
        from streamt.testing.options import build_options

        project = self.project()
        targets, tests = session.names_from_selection(self.select(select) or (), project.name)
        options = build_options(
            types=frozenset(TestType(t) for t in types),
            targets=targets | set(models),
            tests=tests,
            selected=bool(select or self.exclude),
            deploy=deploy,
            since=since,
            start=start,
        )
        self.preflight(session.systems_needed(project, options))
        if deploy:
            options = replace(options, deployed=self._deploy_tests(options))
        results = session.run_project_tests(
            project, self.compile(), self.environ, options, progress
        )
        session.write_results(self.project_root() / "target", results, project.name)
        if junit_xml is not None:
            session.write_junit(junit_xml, results, project.name)
            session.write_results(junit_xml.parent, results, project.name)
        return results

    def _deploy_tests(self, options: RunOptions) -> dict[str, tuple[bool, str]]:
        """Plan and apply the selected continuous tests' jobs and topics (`test --deploy`):
        test name -> (deployed?, what apply did)."""
        from streamt.testing import session

        nodes = session.continuous_nodes(self.project(), options)
        if not nodes:
            return {}
        # a test's topic that exists already (a DLQ topic the project names) is used as it is:
        # adopted, not owned (destroy keeps it)
        plan = self.deployment().plan(nodes, tests=True, adopt=nodes)
        report = self.apply(plan)
        done = {r.change.address: (r.ok, r.message) for r in report.results}
        return session.deploy_outcomes(plan, done)

    def lineage(
        self,
        focus: str | None = None,
        *,
        upstream: bool = False,
        downstream: bool = False,
        column: str | None = None,
        fmt: str = "ascii",
        select: str | None = None,
    ) -> str:
        """The DAG as `fmt` (ascii, json, mermaid): every node, or the one `focus` names
        with its upstream and/or downstream, within what `select` (and `exclude`) choose; or
        the lineage of one `column` (`column_path`)."""
        from streamt.graph import lineage
        from streamt.graph.select import select as select_nodes

        if column is not None:
            from streamt.artifacts.columns import render_column_path

            return render_column_path(self.column_path(column), fmt)
        graph = self.graph()
        start = None
        if focus is not None:
            chosen, diags = select_nodes(graph, focus)
            if diags or len(chosen) != 1:
                raise StreamtError(
                    diags
                    or [
                        Diagnostic(
                            "G011",
                            f"'{focus}' names several nodes: {', '.join(sorted(chosen))}",
                            hint="prefix the kind: model:NAME or source:NAME",
                        )
                    ]
                )
            (start,) = chosen
        shown = lineage.focus(graph, start, upstream, downstream)
        within = self.select(select)
        return lineage.render(graph, shown if within is None else shown & within, fmt)

    def pull_schemas(self, only: tuple[str, ...] = ()) -> PullResult:
        """Each source's columns from its latest `<topic>-value` subject, as `schemas.lock`
        text (`only`: these sources)."""
        from streamt.schemas import pull_schemas
        from streamt.state.systems import systems_for

        project = self.project()
        registry = (self.systems or systems_for(project, self.environ)).registry
        if registry is None:
            raise StreamtError(
                Diagnostic(
                    "R003",
                    "no Schema Registry configured (runtime.schema_registry.url)",
                    hint="add runtime.schema_registry.url, or omit `runtime:` to use the local "
                    "stack",
                )
            )
        return pull_schemas(project, registry, only)

    def write_schema_lock(self, text: str) -> Path:
        """Write `schemas.lock` beside `stream_project.yml`; its path."""
        from streamt.compile import LOCK_FILE

        path = self.project_root() / LOCK_FILE
        path.write_text(text)
        return path

    def _selected(self, *exprs: str) -> set[str]:
        chosen: set[str] = set()
        for expr in exprs:
            chosen |= self.select(expr) or frozenset()
        return chosen

    def column_path(self, spec: str) -> ColumnPath:
        """`NODE.COLUMN` (NODE as in selectors: `name`, `model:name`, `source:name`) -> the
        columns it is made from and those made from it; V170 / V171 when either is unknown."""
        from streamt.artifacts.columns import ColumnSource, column_path, project_column_lineage
        from streamt.diagnostics import did_you_mean
        from streamt.graph.select import select

        node, _, column = spec.partition(".")
        chosen, diags = select(self.graph(), node) if node and column else (set(), [])
        found = sorted(n for n in chosen if n.split(".", 1)[0] in ("source", "model"))
        if len(found) != 1:
            message = f"--column '{spec}' names no single source or model column"
            hint = "NODE.COLUMN, e.g. orders.amount; model:NAME.COLUMN when a source has the name"
            raise StreamtError([*diags, Diagnostic("V170", message, hint=hint)])
        result = self._compile(None, None, jobs=False)
        names = [c.name for c in result.nodes[found[0]].columns]
        if column not in names:
            raise StreamtError(
                [
                    Diagnostic(
                        "V171",
                        f"--column '{spec}': '{node}' has no column '{column}'",
                        hint=did_you_mean(column, names) or "columns: " + ", ".join(names),
                    )
                ]
            )
        lineage = project_column_lineage(result.nodes)
        return column_path(lineage, ColumnSource(found[0], column))

    def generate_docs(
        self, out_dir: Path | None, results: Path | None, select: str | None = None
    ) -> Path:
        """Write the documentation site (default `<project>/target/docs`): pages of the nodes
        `select` (and `exclude`) choose, all when neither is given; returns its folder."""
        from streamt.docs import generate_site

        out = out_dir or self.project_root() / "target" / "docs"
        results = results or self.project_root() / "target" / "test_results.json"
        only = self.select(select)
        # no job scripts (as validate): the pages show each model's compiled query; the
        # whole project is compiled, a chosen model's columns come from its upstream
        compiled = self._compile(None, None, jobs=False)
        generate_site(self.project(), self.graph(), compiled, out, results, only)
        return out

    def write_artifacts(self, result: CompileResult, out_dir: Path) -> list[Path]:
        from streamt.artifacts import write_artifacts

        return write_artifacts(result, out_dir)


def _remember_secrets(project: Project, environ: Mapping[str, str]) -> None:
    """Tell `streamt.redact` the value of every `${VAR}` that is a credential: one in a
    credential field (by key or variable name) or in a URL's user-info; and a password or
    secret written literally in the project."""
    from streamt.config.env import placeholders
    from streamt.redact import is_secret_name, remember_secrets

    settings: list[tuple[str, object]] = list(_flat("runtime", project.runtime.model_dump()))
    for model in project.models:
        connector = model.sink_connector
        if connector is not None:
            settings += list(connector.config.items())
        settings += list(model.advanced.flink.config.items())
    values = []
    for key, value in settings:
        text = value if isinstance(value, str) else ""
        if text and "${" not in text and _LITERAL_SECRET.search(key):
            values.append(text)  # a literal password (validate warns about it): masked too
        for ph in placeholders(text) if "${" in text else ():
            userinfo = "://" in text[: ph.start] and "@" in text[ph.end :]
            if ph.name in environ and (is_secret_name(key) or is_secret_name(ph.name) or userinfo):
                values.append(environ[ph.name])
    remember_secrets(values)


UNKNOWN_REFERENCE = frozenset({"G001", "G002"})  # ref() / source() of a node that does not exist
_LITERAL_SECRET = re.compile(r"(password|passwd|secret|token|api[._-]?key)", re.IGNORECASE)


def _flat(prefix: str, value: object) -> list[tuple[str, object]]:
    if isinstance(value, Mapping):
        return [kv for k, v in value.items() for kv in _flat(f"{prefix}.{k}", v)]
    return [(prefix, value)]


def _test_columns(project: Project) -> dict[str, tuple[str, ...]]:
    """Columns the data tests read: demand on sources whose columns are inferred."""
    from streamt.testing.check import columns_read_by_tests

    return columns_read_by_tests(project)


def _dotenv(root: Path, env: str | None) -> dict[str, str]:
    """Variables from `.env` then `.env.<env>` in the project root (later files win)."""
    from streamt.config.env import parse_dotenv

    values: dict[str, str] = {}
    for name in (".env", f".env.{env}" if env else ""):
        path = root / name if name else None
        if path is not None and path.is_file():
            try:
                values.update(parse_dotenv(read_bounded(path).decode("utf-8")))
            except (OSError, UnicodeDecodeError):
                continue
    return values


def _without_duplicate_targets(
    test_diags: list[Diagnostic], graph_diags: list[Diagnostic]
) -> list[Diagnostic]:
    """An unknown test target is already a graph diagnostic at the same place."""
    placed = {d.location for d in graph_diags}
    return [d for d in test_diags if not (d.code == "T008" and d.location in placed)]


def _dedupe(diags: list[Diagnostic]) -> list[Diagnostic]:
    seen: set[Diagnostic] = set()
    out = []
    for d in diags:
        if d not in seen:
            seen.add(d)
            out.append(d)
    return out
