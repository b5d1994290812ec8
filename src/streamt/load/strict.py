"""Strict config values, checked at load with the key's file:line.

L050 (error) a runtime URL or bootstrap list that cannot work (scheme outside http/https, no
host, bad port); L051 (warning) credentials written inside a URL; L052 (warning; an error with
`validate --strict`) a credential field that holds a literal secret instead of `${VAR}` (it would
be copied into artifacts, plans and the ledger). Numbers are bounded by the model's field
limits and by `streamt.sql.types` for type parameters. No I/O.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from streamt.config.checks import (
    bootstrap_problem,
    is_secret_key,
    literal_secret,
    url_problem,
    url_userinfo,
)
from streamt.config.runtime import RuntimeConfig
from streamt.diagnostics import Diagnostic, Location, Severity
from streamt.load.ids import NodeKind, node_id
from streamt.load.model import Project

URL, BOOTSTRAP, SECRET = "url", "bootstrap", "secret"


def check_config(project: Project) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    fields = list(_runtime_fields(project.runtime)) if project.runtime_declared else []
    for kind, path, value in fields:
        out += _check(kind, path, value, project.where(path), "")
    for model in project.models:
        node = node_id(NodeKind.MODEL, project.name, model.name)
        for path, config in _connector_configs(model.advanced, model.connector, model.sink):
            for key, value in config.items():
                if is_secret_key(key):
                    out += _check(
                        SECRET, f"{path}.{key}", value, model.where(f"{path}.{key}"), node
                    )
    return out


def _check(kind: str, path: str, value: str, where: Location, node: str) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    if kind == SECRET:
        if literal_secret(value):
            out.append(
                Diagnostic(
                    "L052",
                    f"{path} holds a literal secret",
                    Severity.WARNING,
                    where,
                    "write ${VAR} and set VAR in the environment or .env: a literal would be "
                    "copied into artifacts, plans and the ledger",
                    node,
                )
            )
        return out
    problem = bootstrap_problem(value) if kind == BOOTSTRAP else url_problem(value)
    if problem:
        out.append(
            Diagnostic(
                "L050",
                f"{path} {problem}",
                location=where,
                hint="e.g. http://localhost:8081" if kind == URL else "e.g. localhost:9092",
                node=node,
            )
        )
    if kind == URL and url_userinfo(value):
        out.append(
            Diagnostic(
                "L051",
                f"{path} has credentials inside the URL",
                Severity.WARNING,
                where,
                "use the section's username / password keys with ${VAR}; a URL is printed and "
                "logged",
                node,
            )
        )
    return out


def _runtime_fields(rt: RuntimeConfig) -> Iterator[tuple[str, str, str]]:
    base = "runtime"
    if rt.kafka is not None:
        k = rt.kafka
        yield BOOTSTRAP, f"{base}.kafka.bootstrap_servers", k.bootstrap_servers
        yield from _opt(
            BOOTSTRAP, f"{base}.kafka.bootstrap_servers_internal", k.bootstrap_servers_internal
        )
        yield from _opt(SECRET, f"{base}.kafka.sasl_password", k.sasl_password)
        yield from _opt(SECRET, f"{base}.kafka.ssl_key_password", k.ssl_key_password)
        for key, value in k.properties.items():
            if is_secret_key(key):
                yield SECRET, f"{base}.kafka.properties.{key}", value
    if rt.schema_registry is not None:
        yield URL, f"{base}.schema_registry.url", rt.schema_registry.url
        yield from _opt(SECRET, f"{base}.schema_registry.password", rt.schema_registry.password)
    for name, fc in (rt.flink.clusters if rt.flink else {}).items():
        at = f"{base}.flink.clusters.{name}"
        yield from _opt(URL, f"{at}.rest_url", fc.rest_url)
        yield from _opt(URL, f"{at}.sql_gateway_url", fc.sql_gateway_url)
        yield from _opt(SECRET, f"{at}.api_key", fc.api_key)
        yield from _opt(SECRET, f"{at}.api_secret", fc.api_secret)
    for name, cc in (rt.connect.clusters if rt.connect else {}).items():
        at = f"{base}.connect.clusters.{name}"
        yield URL, f"{at}.rest_url", cc.rest_url
        yield from _opt(SECRET, f"{at}.password", cc.password)
    conduktor = rt.conduktor
    if conduktor is not None and conduktor.gateway is not None:
        gw = conduktor.gateway
        yield URL, f"{base}.conduktor.gateway.admin_url", gw.admin_url
        yield from _opt(BOOTSTRAP, f"{base}.conduktor.gateway.proxy_bootstrap", gw.proxy_bootstrap)
        yield from _opt(SECRET, f"{base}.conduktor.gateway.password", gw.password)
    if conduktor is not None and conduktor.console is not None:
        yield URL, f"{base}.conduktor.console.url", conduktor.console.url
        yield from _opt(SECRET, f"{base}.conduktor.console.api_key", conduktor.console.api_key)


def _opt(kind: str, path: str, value: str | None) -> Iterator[tuple[str, str, str]]:
    if value is not None:
        yield kind, path, value


def _connector_configs(
    advanced: object, connector: object, sink: object
) -> Iterator[tuple[str, Mapping[str, str]]]:
    spellings = (
        ("advanced.connector.config", getattr(advanced, "connector", None)),
        ("advanced.sink.config", getattr(advanced, "sink", None)),
        ("connector.config", connector),
        ("sink.config", sink),
    )
    for path, holder in spellings:
        config = getattr(holder, "config", None)
        if config:
            yield path, config
