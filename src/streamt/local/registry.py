"""The schema registry: Apicurio Registry 3 (its Confluent-compatible API lives under
`/apis/ccompat/v7`) behind streamt's small reverse proxy, which serves that API at the root
of the registry port so Confluent clients and Flink's avro-confluent format use a plain URL.
Schemas are kept in an H2 file database under the stack home, so they survive restarts.
In the secure profile the proxy serves HTTPS with basic auth; Apicurio itself listens on
127.0.0.1 only.
"""

from __future__ import annotations

import sys
from dataclasses import replace

from streamt.local.bundles import BundleSet
from streamt.local.config import StackConfig
from streamt.local.describe import CCOMPAT_PREFIX, described
from streamt.local.fetch import bundle_dir
from streamt.local.jvm import COMMON_FLAGS
from streamt.local.secure import secure_files
from streamt.local.spec import ProcessLaunch


def _secure_front(cfg: StackConfig) -> tuple[str, ...]:
    """The secure profile's front door: HTTPS with the home's certificate, basic auth."""
    if not cfg.secure:
        return ()
    files = secure_files(cfg.home)
    return (
        "--tls-cert", str(files.server_cert), "--tls-key", str(files.server_key),
        "--users", str(files.registry_users),
    )  # fmt: skip


def prepare_registry(cfg: StackConfig, bundles: BundleSet, java: str) -> list[ProcessLaunch]:
    p = cfg.ports
    app = bundle_dir(cfg.cache, bundles.registry) / "app"
    runner = next(app.rglob("quarkus-run.jar"), app / "quarkus-run.jar")
    db = cfg.data_dir / "registry" / "registry"
    (cfg.tmp_dir / "registry").mkdir(parents=True, exist_ok=True)
    db.parent.mkdir(parents=True, exist_ok=True)
    log_file = described(cfg, "registry").log_file
    backend_argv = (
        java, "-Xms64m", f"-Xmx{cfg.heaps.registry}", *COMMON_FLAGS,
        "-Djava.util.logging.manager=org.jboss.logmanager.LogManager",
        f"-Djava.io.tmpdir={cfg.tmp_dir / 'registry'}",
        "-Dquarkus.http.host=127.0.0.1", f"-Dquarkus.http.port={p.registry_backend}",
        "-Dquarkus.management.host=127.0.0.1",
        f"-Dquarkus.management.port={p.registry_management}",
        f"-Dapicurio.datasource.url=jdbc:h2:file:{db};DB_CLOSE_ON_EXIT=FALSE",
        "-Dapicurio.rules.global.compatibility=BACKWARD",  # Confluent's default
        "-Dquarkus.log.file.enabled=true", f"-Dquarkus.log.file.path={log_file}",
        "-Dquarkus.log.console.enabled=false",
        "-Dquarkus.log.file.json.enabled=false",
        "-Dquarkus.log.file.format=%d{yyyy-MM-dd HH:mm:ss,SSS} %-5p [%c{2.}] %s%e%n",
        "-Dquarkus.http.access-log.enabled=false",
        "-jar", str(runner),
    )  # fmt: skip
    proxy_argv = (
        sys.executable, "-m", "streamt.local.proxy",
        "--listen", str(p.schema_registry),
        "--upstream", f"127.0.0.1:{p.registry_backend}",
        "--prefix", CCOMPAT_PREFIX,
        *_secure_front(cfg),
    )  # fmt: skip
    return [
        replace(described(cfg, "registry"), argv=backend_argv, stop_timeout=10.0),
        replace(described(cfg, "registry-proxy"), argv=proxy_argv, stop_timeout=5.0),
    ]
