"""Flink 2.2 session cluster from the PyPI wheel: JobManager, TaskManager(s) and SQL Gateway.

With several TaskManagers (`Topology.taskmanagers`), each is named by its resource id (its
process name), slots are spread over all of them (`taskmanager.load-balance.mode: slots`, so a
job of parallelism 2 runs on two machines), and heartbeats are short so that a lost
TaskManager is noticed, and its jobs restarted from their checkpoints, in seconds.

The Kafka SQL connector and the Avro / Avro-Confluent formats (json and debezium-json are in
the wheel's flink-json) are on the JM, TM and gateway classpaths. Memory parameters come
from Flink's BashJavaUtils, computed once per config and cached next to it.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from streamt.diagnostics import Diagnostic, StreamtError
from streamt.local.bundles import BundleSet
from streamt.local.config import StackConfig, taskmanager_name
from streamt.local.describe import described
from streamt.local.fetch import bundle_dir
from streamt.local.jvm import COMMON_FLAGS, classpath, log_flags, write_if_changed, write_log4j
from streamt.local.spec import ProcessLaunch

JDK17_FLAGS: tuple[str, ...] = (
    "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
    "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
    "--add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED",
    "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
    "--add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED",
    "--add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED",
    "--add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED",
    "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
    *(
        f"--add-opens=java.base/{pkg}=ALL-UNNAMED"
        for pkg in (
            "java.lang",
            "java.net",
            "java.io",
            "java.nio",
            "sun.nio.ch",
            "java.lang.reflect",
            "java.text",
            "java.time",
            "java.util",
            "java.util.concurrent",
            "java.util.concurrent.atomic",
            "java.util.concurrent.locks",
        )
    ),
)


def flink_config(cfg: StackConfig) -> str:
    p, state = cfg.ports, cfg.data_dir / "flink"
    entries = {
        "jobmanager.bind-host": "127.0.0.1",
        "jobmanager.rpc.address": "127.0.0.1",
        "jobmanager.rpc.port": str(p.flink_rpc),
        "jobmanager.memory.process.size": cfg.heaps.jobmanager_process,
        "taskmanager.bind-host": "127.0.0.1",
        "taskmanager.host": "127.0.0.1",
        "taskmanager.numberOfTaskSlots": str(cfg.taskmanager_slots),
        "taskmanager.memory.process.size": cfg.heaps.taskmanager_process,
        "taskmanager.memory.managed.fraction": "0.1",
        "parallelism.default": "1",
        "rest.address": "127.0.0.1",
        "rest.bind-address": "127.0.0.1",
        "rest.port": str(p.flink_rest),
        "blob.server.port": "0",
        "taskmanager.rpc.port": "0",
        "io.tmp.dirs": str(cfg.tmp_dir / "flink"),
        "web.tmpdir": str(cfg.tmp_dir / "flink-web"),
        "cluster.registration.error-delay": "500ms",
        "state.backend.type": "hashmap",
        "execution.checkpointing.interval": "10s",
        # kept when the JobManager stops or crashes (no HA here: it forgets its jobs), deleted
        # when a job is cancelled or stopped: `streamt local up` resumes lost jobs from them
        "execution.checkpointing.externalized-checkpoint-retention": "DELETE_ON_CANCELLATION",
        "execution.checkpointing.dir": (state / "checkpoints").as_uri(),
        "execution.checkpointing.savepoint-dir": (state / "savepoints").as_uri(),
        "state.checkpoints.dir": (state / "checkpoints").as_uri(),
        "state.savepoints.dir": (state / "savepoints").as_uri(),
        "sql-gateway.endpoint.rest.address": "127.0.0.1",
        "sql-gateway.endpoint.rest.bind-address": "127.0.0.1",
        "sql-gateway.endpoint.rest.port": str(p.sql_gateway),
    }
    if cfg.topology.taskmanagers > 1:
        entries |= {
            "taskmanager.load-balance.mode": "slots",
            "heartbeat.interval": "2000",
            "heartbeat.timeout": "10000",
        }
    return "".join(f"{k}: {json.dumps(v)}\n" for k, v in entries.items())


class FlinkLayout:
    def __init__(self, cfg: StackConfig, bundles: BundleSet) -> None:
        root = bundle_dir(cfg.cache, bundles.flink) / "pyflink"
        extra = bundle_dir(cfg.cache, bundles.flink_extra) / "jars"
        libs = sorted(root.glob("lib/*.jar"))
        dist = [j for j in libs if j.name.startswith("flink-dist")]
        others = [j for j in libs if not j.name.startswith("flink-dist")]
        self.gateway_jar = next(extra.glob("flink-sql-gateway-*.jar"), extra / "missing-gateway")
        connectors = [j for j in sorted(extra.glob("*.jar")) if j != self.gateway_jar]
        self.cluster_jars: list[Path] = [*others, *connectors, *dist]
        self.python_jar = next(root.glob("opt/flink-python-*.jar"), None)
        self.bash_utils = root / "bin" / "bash-java-utils.jar"
        self.dist = dist


def _resource_params(cfg: StackConfig, layout: FlinkLayout, conf: Path) -> dict[str, list[str]]:
    """JVM flags + dynamic properties for JM and TM, cached by a hash of config.yaml."""
    digest = hashlib.sha256((conf / "config.yaml").read_bytes()).hexdigest()[:16]
    cache = conf / f"resource-params-{digest}.json"
    if cache.exists():
        cached: dict[str, list[str]] = json.loads(cache.read_text())
        return cached
    with ThreadPoolExecutor(2) as pool:
        jm = pool.submit(_bash_java_utils, cfg, layout, conf, "GET_JM_RESOURCE_PARAMS")
        tm = pool.submit(_bash_java_utils, cfg, layout, conf, "GET_TM_RESOURCE_PARAMS")
        result = {
            "jm_jvm": jm.result()[0], "jm_dyn": jm.result()[1],
            "tm_jvm": tm.result()[0], "tm_dyn": tm.result()[1],
        }  # fmt: skip
    for old in conf.glob("resource-params-*.json"):
        old.unlink()
    cache.write_text(json.dumps(result))
    return result


def _bash_java_utils(
    cfg: StackConfig, layout: FlinkLayout, conf: Path, command: str
) -> tuple[list[str], list[str]]:
    cp = classpath([layout.bash_utils, *layout.dist])
    argv = [cfg.java, "-Xmx128m", "-cp", cp, "org.apache.flink.runtime.util.bash.BashJavaUtils",
            command, "--configDir", str(conf)]  # fmt: skip
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    prefix = "BASH_JAVA_UTILS_EXEC_RESULT:"
    results = [ln[len(prefix) :] for ln in proc.stdout.splitlines() if ln.startswith(prefix)]
    if proc.returncode != 0 or len(results) < 2:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-10:])
        raise StreamtError(
            Diagnostic(
                "K004",
                f"Flink could not compute its memory settings:\n{tail}",
                hint="check the heaps configured with STREAMT_LOCAL_HEAP_*",
            )
        )
    return results[0].split(), results[1].split()


def prepare_flink(cfg: StackConfig, bundles: BundleSet) -> list[ProcessLaunch]:
    conf = cfg.conf_dir / "flink"
    write_if_changed(conf / "config.yaml", flink_config(cfg))
    log4j = write_log4j(conf)
    for d in ("flink", "flink-web"):
        (cfg.tmp_dir / d).mkdir(parents=True, exist_ok=True)
    layout = FlinkLayout(cfg, bundles)
    params = _resource_params(cfg, layout, conf)
    cp = classpath(layout.cluster_jars)
    jm_log = described(cfg, "jobmanager").log_file
    env = (("FLINK_CONF_DIR", str(conf)),)
    jm_argv = (
        cfg.java, *params["jm_jvm"], *COMMON_FLAGS, *JDK17_FLAGS, *log_flags(jm_log, log4j),
        "-classpath", cp, "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
        *params["jm_dyn"], "--configDir", str(conf), "--executionMode", "cluster",
    )  # fmt: skip

    def taskmanager(n: int) -> ProcessLaunch:
        name = taskmanager_name(n)
        named = ("-D", f"taskmanager.resource-id={name}") if cfg.topology.taskmanagers > 1 else ()
        tm_log = described(cfg, name).log_file
        argv = (
            cfg.java, *params["tm_jvm"], *COMMON_FLAGS, *JDK17_FLAGS, *log_flags(tm_log, log4j),
            "-classpath", cp, "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
            "--configDir", str(conf), *params["tm_dyn"], *named,
        )  # fmt: skip
        return replace(
            described(cfg, name),
            argv=argv,
            env=env,
            stop_timeout=10.0,
            config_files=(conf / "config.yaml",),
        )

    return [
        replace(
            described(cfg, "jobmanager"),
            argv=jm_argv,
            env=env,
            stop_timeout=10.0,
            config_files=(conf / "config.yaml",),
        ),
        *(taskmanager(n) for n in range(1, cfg.topology.taskmanagers + 1)),
        _gateway(cfg, layout, conf, log4j),
    ]


def _gateway(cfg: StackConfig, layout: FlinkLayout, conf: Path, log4j: Path) -> ProcessLaunch:
    log_file = described(cfg, "sql-gateway").log_file
    jars = [*layout.cluster_jars[:-1], layout.gateway_jar]
    if layout.python_jar is not None:
        jars.append(layout.python_jar)
    jars.append(layout.cluster_jars[-1])  # flink-dist last, as Flink's scripts do
    argv = (
        cfg.java, f"-Xmx{cfg.heaps.sql_gateway}", *COMMON_FLAGS, *JDK17_FLAGS,
        *log_flags(log_file, log4j), "-classpath", classpath(jars),
        "org.apache.flink.table.gateway.SqlGateway",
    )  # fmt: skip
    return replace(
        described(cfg, "sql-gateway"),
        argv=argv,
        env=(("FLINK_CONF_DIR", str(conf)),),
        stop_timeout=10.0,
        config_files=(conf / "config.yaml",),
    )
