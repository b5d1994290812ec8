"""V180: a `type: confluent` Flink cluster without what the statements API needs (organization,
environment, compute pool, database, API key and secret, and where to reach it: `cloud` +
`region` or `rest_url`); V181: a Confluent cluster given `sql_gateway_url` (it has none);
V183: a unit or continuous data test while the default cluster is Confluent Cloud (their jobs
are built for open-source Flink: a unit test's bounded input tables are no topics, so its job is
refused there; continuous tests are not proven there). Pure: reads the loaded project only."""

from __future__ import annotations

from streamt.diagnostics import Diagnostic, Severity
from streamt.load.model import Project, TestType

_REQUIRED = (
    "organization_id",
    "environment",
    "compute_pool_id",
    "database",
    "api_key",
    "api_secret",
)


def check_confluent_clusters(project: Project) -> list[Diagnostic]:
    flink = project.runtime.flink
    out: list[Diagnostic] = _tests_on_confluent(project)
    for name, cluster in (flink.clusters if flink else {}).items():
        if cluster.type != "confluent":
            continue
        at = f"runtime.flink.clusters.{name}"
        missing = [key for key in _REQUIRED if not getattr(cluster, key)]
        if not cluster.rest_url and not (cluster.cloud and cluster.region):
            missing.append("cloud + region (or rest_url)")
        if missing:
            out.append(
                Diagnostic(
                    "V180",
                    f"Confluent Cloud Flink cluster '{name}' lacks {', '.join(missing)}",
                    location=project.where(at),
                    hint="a confluent cluster needs organization_id, environment (env-...), "
                    "compute_pool_id (lfcp-...), database (the Kafka cluster), cloud and region, "
                    "and a Flink API key as api_key: ${VAR} / api_secret: ${VAR}",
                )
            )
        if cluster.sql_gateway_url:
            out.append(
                Diagnostic(
                    "V181",
                    f"Confluent Cloud Flink cluster '{name}' has no SQL Gateway: "
                    "sql_gateway_url is not used",
                    location=project.where(f"{at}.sql_gateway_url"),
                    hint="remove sql_gateway_url (statements go to the statements API)",
                )
            )
    return out


def _tests_on_confluent(project: Project) -> list[Diagnostic]:
    cluster = project.runtime.flink.cluster() if project.runtime.flink else None
    if cluster is None or cluster.type != "confluent":
        return []
    return [
        Diagnostic(
            "V183",
            f"{test.type.value} test '{test.name}' runs its own Flink job on the default "
            "cluster, which is Confluent Cloud Flink: streamt builds these jobs for open-source "
            "Flink (a unit test's bounded inputs are not topics and are refused there)",
            Severity.WARNING,
            location=test.where("type"),
            hint="run data tests with an environment whose default Flink cluster is open-source "
            "Flink (environments/<env>.yml), or use schema / sample tests",
        )
        for test in project.tests
        if test.type in (TestType.UNIT, TestType.CONTINUOUS)
    ]
