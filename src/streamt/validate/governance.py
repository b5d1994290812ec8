"""Governance rules (`rules:`), evaluated on the effective topics (defaults applied).

Topics: V030 min_partitions, V031 max_partitions, V032 min_replication_factor,
V033 max_replication_factor, V034 required_config, V035 naming_pattern, V036 forbidden prefix,
V037 forbidden suffix, V039 invalid rule regex. Models: V040 require_description,
V041 require_owner, V042 require_tests, V043 max_dependencies, V044 naming_pattern.
Sources: V050 require_schema, V051 require_freshness, V052 require_description,
V053 require_owner. Security: V060 require_classification, V061 sensitive column not masked.
"""

from __future__ import annotations

from collections.abc import Iterable

from streamt.diagnostics import Diagnostic, Location
from streamt.graph.dag import Graph
from streamt.load.ids import NodeKind, node_id
from streamt.load.model import Classification, Model, Project, Source
from streamt.resources import TopicSpec
from streamt.validate.patterns import UserPattern, compile_pattern
from streamt.validate.topics import provenance


def _compile(
    project: Project, path: str, pattern: str | None
) -> tuple[UserPattern | None, list[Diagnostic]]:
    if not pattern:
        return None, []
    compiled = compile_pattern(pattern)
    if isinstance(compiled, UserPattern):
        return compiled, []
    return None, [
        Diagnostic(
            "V039",
            f"rules.{path} is not a valid regular expression: {compiled}",
            location=project.where(f"rules.{path}"),
            hint="patterns use RE2 syntax (no lookaround or backreferences), "
            "e.g. '^[a-z_]+\\.v[0-9]+$'",
        )
    ]


def check_topic_rules(project: Project, topics: Iterable[TopicSpec]) -> list[Diagnostic]:
    rules = project.rules.topics
    models = {node_id(NodeKind.MODEL, project.name, m.name): m for m in project.models}
    pattern, out = _compile(project, "topics.naming_pattern", rules.naming_pattern)
    bounds = (
        rules.min_partitions,
        rules.max_partitions,
        rules.min_replication_factor,
        rules.max_replication_factor,
    )
    named = (rules.required_config, pattern, rules.forbidden_prefixes, rules.forbidden_suffixes)
    if all(b is None for b in bounds) and not any(named):
        return out  # no topic rule: nothing to check per topic
    rule_at = f"rule at {project.where('rules.topics')}"
    for spec in topics:
        model = models.get(spec.node)
        out += _bounds(project, spec, model)
        where = (
            model.where("advanced.topic.name")
            if model and model.advanced.topic.name
            else (model.where("name") if model else Location())
        )
        for key in rules.required_config:
            if key not in spec.config:
                out.append(
                    _rule(
                        "V034",
                        f"topic '{spec.name}' lacks required config '{key}'",
                        where,
                        f"set advanced.topic.config.{key} or defaults.topic.config.{key} ({rule_at})",
                        spec.node,
                    )
                )
        if pattern is not None and not pattern.match(spec.name):
            out.append(
                _rule(
                    "V035",
                    f"topic '{spec.name}' does not match naming_pattern '{rules.naming_pattern}'",
                    where,
                    f"rename it with advanced.topic.name ({rule_at})",
                    spec.node,
                )
            )
        for prefix in rules.forbidden_prefixes:
            if spec.name.startswith(prefix):
                out.append(
                    _rule(
                        "V036",
                        f"topic '{spec.name}' starts with forbidden prefix '{prefix}'",
                        where,
                        f"rename it ({rule_at})",
                        spec.node,
                    )
                )
        for suffix in rules.forbidden_suffixes:
            if spec.name.endswith(suffix):
                out.append(
                    _rule(
                        "V037",
                        f"topic '{spec.name}' ends with forbidden suffix '{suffix}'",
                        where,
                        f"rename it ({rule_at})",
                        spec.node,
                    )
                )
    return out


def _bounds(project: Project, spec: TopicSpec, model: Model | None) -> list[Diagnostic]:
    rules = project.rules.topics
    checks = [
        ("V030", "partitions", spec.partitions, rules.min_partitions, ">=", "min_partitions"),
        ("V031", "partitions", spec.partitions, rules.max_partitions, "<=", "max_partitions"),
        (
            "V032",
            "replication_factor",
            spec.replication_factor,
            rules.min_replication_factor,
            ">=",
            "min_replication_factor",
        ),
        (
            "V033",
            "replication_factor",
            spec.replication_factor,
            rules.max_replication_factor,
            "<=",
            "max_replication_factor",
        ),
    ]
    out = []
    for code, key, actual, bound, op, rule in checks:
        if bound is None or (actual >= bound if op == ">=" else actual <= bound):
            continue
        where, origin = provenance(project, model, key)
        out.append(
            _rule(
                code,
                f"topic '{spec.name}' has {key} {actual}, rule topics.{rule} requires {op} {bound}",
                where,
                f"the value comes from {origin}; set advanced.topic.{key} or defaults.topic.{key}",
                spec.node,
            )
        )
    return out


def check_model_rules(project: Project, graph: Graph) -> list[Diagnostic]:
    rules = project.rules.models
    pattern, out = _compile(project, "models.naming_pattern", rules.naming_pattern)
    tested = {t.model for t in project.tests}
    for model in project.models:
        nid = graph.id_of(NodeKind.MODEL, model.name)
        if rules.require_description and not (model.description or "").strip():
            out.append(
                _rule(
                    "V040",
                    f"model '{model.name}' has no description",
                    model.where("name"),
                    "add description: ...",
                    nid,
                )
            )
        if rules.require_owner and not (model.owner or "").strip():
            out.append(
                _rule(
                    "V041",
                    f"model '{model.name}' has no owner",
                    model.where("name"),
                    "add owner: team-name",
                    nid,
                )
            )
        if rules.require_tests and model.name not in tested:
            out.append(
                _rule(
                    "V042",
                    f"model '{model.name}' has no tests",
                    model.where("name"),
                    f"add a test with model: {model.name}",
                    nid,
                )
            )
        deps = [p for p in graph.parents.get(nid, ()) if not p.startswith("exposure.")]
        if rules.max_dependencies is not None and len(deps) > rules.max_dependencies:
            out.append(
                _rule(
                    "V043",
                    f"model '{model.name}' has {len(deps)} dependencies, rule "
                    f"models.max_dependencies allows {rules.max_dependencies}",
                    model.where("sql"),
                    "split the model into smaller models",
                    nid,
                )
            )
        if pattern is not None and not pattern.match(model.name):
            out.append(
                _rule(
                    "V044",
                    f"model name '{model.name}' does not match naming_pattern "
                    f"'{rules.naming_pattern}'",
                    model.where("name"),
                    "rename the model",
                    nid,
                )
            )
    return out


def check_source_rules(project: Project) -> list[Diagnostic]:
    rules = project.rules.sources
    out: list[Diagnostic] = []
    for s in project.sources:
        nid = node_id(NodeKind.SOURCE, project.name, s.name)
        if rules.require_schema and s.schema_ is None:
            out.append(
                _rule(
                    "V050",
                    f"source '{s.name}' has no schema",
                    s.where("name"),
                    "add schema: {format: avro, definition: ...}",
                    nid,
                )
            )
        if rules.require_freshness and s.freshness is None:
            out.append(
                _rule(
                    "V051",
                    f"source '{s.name}' has no freshness",
                    s.where("name"),
                    "add freshness: {max_lag_seconds: 300}",
                    nid,
                )
            )
        if rules.require_description and not (s.description or "").strip():
            out.append(
                _rule(
                    "V052",
                    f"source '{s.name}' has no description",
                    s.where("name"),
                    "add description: ...",
                    nid,
                )
            )
        if rules.require_owner and not (s.owner or "").strip():
            out.append(
                _rule(
                    "V053",
                    f"source '{s.name}' has no owner",
                    s.where("name"),
                    "add owner: team-name",
                    nid,
                )
            )
    return out


def check_security_rules(project: Project, graph: Graph) -> list[Diagnostic]:
    rules = project.rules.security
    out: list[Diagnostic] = []
    if rules.require_classification:
        nodes: list[Source | Model] = [*project.sources, *project.models]
        for node in nodes:
            for i, col in enumerate(node.columns):
                if col.classification is None:
                    out.append(
                        _rule(
                            "V060",
                            f"column '{col.name}' of '{node.name}' has no classification",
                            node.where(f"columns.{i}.name"),
                            "add classification: public|internal|confidential|"
                            "sensitive|highly_sensitive",
                            "",
                        )
                    )
    if rules.sensitive_columns_require_masking:
        out += _masking(project, graph)
    return out


def _masking(project: Project, graph: Graph) -> list[Diagnostic]:
    masked_by = {
        m.name: {p.mask.column for p in m.security.policies if p.mask} for m in project.models
    }
    out = []
    for s in project.sources:
        readers = [
            graph.nodes[c].name
            for c in graph.downstream(graph.id_of(NodeKind.SOURCE, s.name))
            if c.startswith("model.")
        ]
        for i, col in enumerate(s.columns):
            if (
                col.classification
                and col.classification.is_sensitive
                and not any(col.name in masked_by.get(r, ()) for r in readers)
            ):
                out.append(
                    _rule(
                        "V061",
                        f"sensitive column '{col.name}' of source '{s.name}' is "
                        "not masked by any model reading it",
                        s.where(f"columns.{i}"),
                        f"add to a model: security.policies: [{{mask: {{column: {col.name}}}}}]",
                        "",
                    )
                )
    for m in project.models:
        for name, cls in sorted(m.security.classification.items()):
            if cls.is_sensitive and name not in masked_by[m.name]:
                out.append(
                    _rule(
                        "V061",
                        f"sensitive column '{name}' of model '{m.name}' is not masked",
                        m.where(f"security.classification.{name}"),
                        f"add security.policies: [{{mask: {{column: {name}}}}}]",
                        "",
                    )
                )
    return out


def _rule(code: str, message: str, where: Location, hint: str, node: str) -> Diagnostic:
    return Diagnostic(code, message, location=where, hint=hint, node=node)


__all__ = [
    "Classification",
    "check_model_rules",
    "check_security_rules",
    "check_source_rules",
    "check_topic_rules",
]
