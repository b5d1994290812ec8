"""Probes of an environment's systems: `streamt debug`, and the preflight of plan / apply / test.

`probe_systems(project, environ, ...)` asks every chosen system once, in parallel, under a short
timeout (`streamt.adapters.probe`), and returns one frozen `Probe` per system: its endpoint
(redacted), reachable or not, round trip, version, and for one that is not, the diagnostic to
show (A060-A064) with a hint that fits where it lives (a local stack or a remote runtime).
`preflight(...)` raises those diagnostics (exit 5) so a dead endpoint fails in seconds, naming
it, instead of after the adapters' retries.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from streamt.adapters import probe as reach
from streamt.adapters.confluent_flink import endpoint
from streamt.compile.specs import DesiredState
from streamt.config.env import resolve
from streamt.config.runtime import FlinkClusterConfig
from streamt.diagnostics import UNREACHABLE, Diagnostic, Location, Severity, StreamtError
from streamt.load.model import Project
from streamt.redact import redact, redact_url
from streamt.state.ledger_store import DEFAULT_TOPIC
from streamt.state.systems import check_runtime_variables, kafka_properties

KAFKA, REGISTRY, FLINK_REST, SQL_GATEWAY, CONNECT = (
    "kafka",
    "schema_registry",
    "flink_rest",
    "sql_gateway",
    "connect",
)
ALL = (KAFKA, REGISTRY, FLINK_REST, SQL_GATEWAY, CONNECT)
FLINK = frozenset({FLINK_REST, SQL_GATEWAY})

_LABEL = {
    KAFKA: "Kafka brokers",
    REGISTRY: "Schema Registry",
    FLINK_REST: "Flink REST",
    SQL_GATEWAY: "Flink SQL Gateway",
    CONNECT: "Kafka Connect",
}
_CREDENTIALS = {
    KAFKA: "runtime.kafka.sasl_username / sasl_password / ssl_ca_location",
    REGISTRY: "runtime.schema_registry.username / password / ssl_ca_location",
    FLINK_REST: "the Flink cluster's api_key / api_secret",
    SQL_GATEWAY: "the Flink cluster's settings",
    CONNECT: "the Connect cluster's username / password",
}
_CODE = {KAFKA: "A060", REGISTRY: "A061", FLINK_REST: "A062", SQL_GATEWAY: "A063", CONNECT: "A064"}
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0"})


@dataclass(frozen=True)
class Probe:
    system: str  # one of ALL
    endpoint: str  # as resolved, user-info masked
    ok: bool
    rtt_ms: float | None = None
    version: str = ""
    detail: str = ""  # why not reachable; or extra facts (brokers, ledger topic, plugins)
    key: str = ""  # the runtime key that sets the endpoint, e.g. runtime.kafka.bootstrap_servers
    location: Location = field(default_factory=Location)
    local: bool = False  # the endpoint is on this machine (the local stack's kind of address)
    plugins: tuple[str, ...] = ()  # Connect: installed connector classes
    refused: bool = False  # it answered but refused the credentials or the TLS handshake

    @property
    def label(self) -> str:
        return _LABEL[self.system]

    def diagnostic(self, environment: str) -> Diagnostic:
        """A060-A064: this system could not be reached; C072: it refused the credentials or
        the TLS handshake (only meaningful when not `ok`)."""
        if self.refused:
            return Diagnostic(
                "C072",
                f"{self.label} at {self.endpoint} refused the connection: {self.detail}",
                location=self.location,
                hint=f"check the credentials ({_CREDENTIALS[self.system]}) and the CA file for "
                f"environment '{environment}' and the variables they name (.env); a secure "
                "local stack writes its own to <home>/secure/streamt.env",
            )
        if self.local:
            hint = (
                f"nothing answers at {self.endpoint} on this machine: start the local stack "
                "(`streamt local up`; `streamt local status` shows what runs)"
            )
        else:
            hint = (
                f"check {self.key} for environment '{environment}' and that this machine can "
                "reach it (VPN, firewall, DNS, credentials); `streamt debug` probes every system"
            )
        return Diagnostic(
            _CODE[self.system],
            f"cannot reach {self.label} at {self.endpoint}: {self.detail}",
            location=self.location,
            hint=hint,
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "system": self.system,
            "endpoint": self.endpoint,
            "reachable": self.ok,
            "rtt_ms": self.rtt_ms,
            "version": self.version,
            "detail": self.detail,
            "plugins": list(self.plugins),
        }


@dataclass(frozen=True)
class _Target:
    system: str
    run: Callable[[], Probe]


def _is_local(endpoint: str) -> bool:
    if "://" in endpoint:
        host = urlsplit(endpoint).hostname or ""
    else:
        host = reach.split_servers(endpoint)[0][0] if reach.split_servers(endpoint) else ""
    return host.lower() in _LOCAL_HOSTS


def probe_systems(
    project: Project,
    environ: Mapping[str, str],
    systems: Collection[str] = ALL,
    *,
    timeout_s: float = reach.PROBE_TIMEOUT_S,
    ledger_topic: str = DEFAULT_TOPIC,
) -> list[Probe]:
    """One probe per chosen system the runtime configures, run in parallel, in `ALL` order."""
    check_runtime_variables(project, environ)
    targets = [
        t for t in _targets(project, environ, timeout_s, ledger_topic) if t.system in systems
    ]
    if not targets:
        return []
    with ThreadPoolExecutor(max_workers=len(targets)) as pool:
        return list(pool.map(lambda t: t.run(), targets))


def _targets(
    project: Project, environ: Mapping[str, str], timeout_s: float, ledger_topic: str
) -> list[_Target]:
    rt = project.runtime
    out: list[_Target] = []

    def add(system: str, raw: str, key: str, run: Callable[[Probe, str], Probe]) -> None:
        endpoint = resolve(raw, environ)
        base = Probe(
            system,
            redact(redact_url(endpoint)),
            False,
            key=key,
            location=project.where(key),
            local=_is_local(endpoint),
        )
        out.append(_Target(system, lambda: run(base, endpoint)))

    if rt.kafka is not None:
        kafka = rt.kafka
        props = kafka_properties(kafka, environ)

        def kafka_probe(base: Probe, bootstrap: str) -> Probe:
            tcp = reach.tcp(bootstrap, timeout_s)
            if not tcp.ok:
                return _with(base, tcp)
            meta = reach.kafka_metadata(bootstrap, props, ledger_topic, timeout_s)
            if not meta.ok:
                return _with(base, meta)
            ledger = (
                "exists" if meta.facts["topic_exists"] else "not created yet (apply creates it)"
            )
            detail = f"{meta.facts['brokers']} broker(s); ledger topic {ledger_topic}: {ledger}"
            return _with(base, meta, detail=detail)

        add(KAFKA, kafka.bootstrap_servers, "runtime.kafka.bootstrap_servers", kafka_probe)
    if rt.schema_registry is not None:
        sr = rt.schema_registry

        def registry_probe(base: Probe, url: str) -> Probe:
            auth = _auth(sr.username, sr.password, environ)
            ca = _opt(sr.ssl_ca_location, environ)
            got = reach.http_get(url, "/config", timeout_s=timeout_s, ca_location=ca, **auth)
            if not got.ok:
                return _with(base, got)
            version = reach.http_get(
                url, "/v1/metadata/version", timeout_s=timeout_s, ca_location=ca, **auth
            )
            body = version.facts.get("body") if version.ok else None
            text = str(body.get("version", "")) if isinstance(body, dict) else ""
            return _with(base, got, version=text)

        add(REGISTRY, sr.url, "runtime.schema_registry.url", registry_probe)
    cluster = rt.flink.cluster() if rt.flink else None
    if cluster is not None and rt.flink is not None and cluster.type == "confluent":
        name = rt.flink.default or next(iter(rt.flink.clusters), "")
        key, root, run = _confluent_probe(cluster, environ, timeout_s)
        add(FLINK_REST, root, f"runtime.flink.clusters.{name}.{key}", run)
    elif cluster is not None and rt.flink is not None:
        name = rt.flink.default or next(iter(rt.flink.clusters), "")
        base_key = f"runtime.flink.clusters.{name}"
        for system, url, key, path, version_key in (
            (FLINK_REST, cluster.rest_url, "rest_url", "/v1/config", "flink-version"),
            (SQL_GATEWAY, cluster.sql_gateway_url, "sql_gateway_url", "/v1/info", "version"),
        ):
            if url:
                add(system, url, f"{base_key}.{key}", _http_probe(path, version_key, timeout_s))
    connect = rt.connect.cluster() if rt.connect else None
    if connect is not None and rt.connect is not None:
        name = rt.connect.default or next(iter(rt.connect.clusters), "")
        auth = _auth(connect.username, connect.password, environ)

        def connect_probe(base: Probe, url: str) -> Probe:
            got = reach.http_get(url, "/", timeout_s=timeout_s, **auth)
            if not got.ok:
                return _with(base, got)
            body = got.facts.get("body")
            version = str(body.get("version", "")) if isinstance(body, dict) else ""
            listed = reach.http_get(url, "/connector-plugins", timeout_s=timeout_s, **auth)
            items = listed.facts.get("body") if listed.ok else None
            plugins = tuple(
                sorted(
                    str(p.get("class", ""))
                    for p in (items if isinstance(items, list) else [])
                    if isinstance(p, dict)
                )
            )
            return _with(base, got, version=version, plugins=plugins)

        add(CONNECT, connect.rest_url, f"runtime.connect.clusters.{name}.rest_url", connect_probe)
    return out


def _confluent_probe(
    cluster: FlinkClusterConfig, environ: Mapping[str, str], timeout_s: float
) -> tuple[str, str, Callable[[Probe, str], Probe]]:
    """Confluent Cloud Flink: one page of one statement of the environment, with the API key
    (a 401 / 404 says the key or an id is wrong)."""
    key = "rest_url" if cluster.rest_url else "region"
    url = cluster.rest_url or endpoint(cluster.cloud or "", cluster.region or "")
    org = resolve(cluster.organization_id or "", environ)
    env = resolve(cluster.environment or "", environ)
    path = f"/sql/v1/organizations/{org}/environments/{env}/statements?page_size=1"
    auth = _auth(cluster.api_key, cluster.api_secret, environ)

    def run(base: Probe, resolved: str) -> Probe:
        return _with(base, reach.http_get(resolved, path, timeout_s=timeout_s, **auth))

    return key, url, run


def _http_probe(path: str, version_key: str, timeout_s: float) -> Callable[[Probe, str], Probe]:
    def run(base: Probe, url: str) -> Probe:
        got = reach.http_get(url, path, timeout_s=timeout_s)
        body = got.facts.get("body")
        version = str(body.get(version_key, "")) if isinstance(body, dict) else ""
        return _with(base, got, version=version)

    return run


def _with(
    base: Probe,
    seen: reach.Reach,
    *,
    version: str = "",
    detail: str = "",
    plugins: tuple[str, ...] = (),
) -> Probe:
    from dataclasses import replace

    return replace(
        base,
        ok=seen.ok,
        rtt_ms=seen.rtt_ms,
        version=version,
        detail=redact(detail or seen.detail),
        plugins=plugins,
        refused=seen.refused,
    )


def _opt(value: str | None, environ: Mapping[str, str]) -> str | None:
    return resolve(value, environ) if value is not None else None


def _auth(
    username: str | None, password: str | None, environ: Mapping[str, str]
) -> dict[str, str | None]:
    return {"username": _opt(username, environ), "password": _opt(password, environ)}


def needed_plugins(connector_configs: Collection[Mapping[str, str]]) -> frozenset[str]:
    """The connector classes a project's connectors name (`connector.class`)."""
    return frozenset(c["connector.class"] for c in connector_configs if "connector.class" in c)


def missing_plugins(
    probe: Probe, needed: Collection[str], severity: Severity = Severity.WARNING
) -> list[Diagnostic]:
    """A065: a connector class the project needs that Connect has not installed (a warning in
    `debug`, an error before plan / apply)."""
    if probe.system != CONNECT or not probe.ok:
        return []
    return [
        Diagnostic(
            "A065",
            f"Kafka Connect at {probe.endpoint} has no plugin {name}",
            severity=severity,
            location=probe.location,
            hint="install it on the Connect workers (installed: "
            + (", ".join(probe.plugins) or "none")
            + ")",
        )
        for name in sorted(set(needed) - set(probe.plugins))
    ]


def preflight(
    project: Project,
    environ: Mapping[str, str],
    systems: Collection[str],
    environment: str,
    *,
    plugins: Collection[str] = (),
    timeout_s: float = reach.PROBE_TIMEOUT_S,
) -> None:
    """Raise (exit 5) with one A060-A064 per chosen system that does not answer; then (exit 1)
    with one A065 per connector class in `plugins` that Connect has not installed."""
    probes = probe_systems(project, environ, systems, timeout_s=timeout_s)
    dead = [p for p in probes if not p.ok]
    if dead:
        raise StreamtError([p.diagnostic(environment) for p in dead], exit_code=UNREACHABLE)
    missing = [d for p in probes for d in missing_plugins(p, plugins, Severity.ERROR)]
    if missing:
        raise StreamtError(missing)


def resolved_runtime(project: Project, environ: Mapping[str, str]) -> dict[str, object]:
    """`runtime:` with `${VAR}` resolved, every credential field shown as `***` and every other
    value through `redact` (URL user-info, remembered secrets)."""
    from streamt.config.env import resolve_tree
    from streamt.redact import is_secret_name

    check_runtime_variables(project, environ)

    def mask(value: object, key: str) -> object:
        if isinstance(value, Mapping):
            return {k: mask(v, str(k)) for k, v in value.items()}
        if isinstance(value, str):
            return "***" if is_secret_name(key) and value else redact(redact_url(value))
        return value

    dumped = project.runtime.model_dump(exclude_none=True, exclude_defaults=False)
    resolved = resolve_tree(dumped, environ)
    assert isinstance(resolved, Mapping)  # a model dump stays a mapping
    return {str(k): mask(v, str(k)) for k, v in resolved.items()}


def needed_by(desired: DesiredState) -> frozenset[str]:
    """The systems a plan of `desired` talks to: Kafka (topics, ledger) always, the registry
    for subjects, Flink for jobs, Connect for connectors."""
    return frozenset(
        {KAFKA}
        | ({REGISTRY} if desired.subjects else set())
        | (FLINK if desired.jobs else set())
        | ({CONNECT} if desired.connectors else set())
    )


def needed_by_tests(test_types: Collection[str]) -> frozenset[str]:
    """The systems data tests of these types talk to: schema -> the registry, sample -> Kafka,
    continuous -> Kafka and Flink, unit -> Flink."""
    need: set[str] = set()
    for kind in test_types:
        need |= {
            "schema": {REGISTRY},
            "sample": {KAFKA},
            "continuous": {KAFKA, *FLINK},
            "unit": set(FLINK),
        }.get(kind, set())
    return frozenset(need)
