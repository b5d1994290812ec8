"""Every Flink job the compiler writes for the examples and the corpus projects (written from
outside), sent to the Confluent Cloud statements API model: each becomes one statement that
reads and writes only the topics of its job's tables, and runs there."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlglot

from streamt.context import Context
from streamt.sql.confluent import cloud_statement
from streamt.sql.options import topic_of
from tests.fakes.confluent_flink import ConfluentFlinkServer
from tests.fakes.confluent_flink import tables_read as tables_of
from tests.unit.adapters.test_confluent_flink import ENV, KEY, ORG, POOL, SECRET, client

REPO = Path(__file__).parents[3]
PROJECTS = sorted(
    [p for p in (REPO / "examples").iterdir() if (p / "stream_project.yml").exists()]
    + [p.parent for p in (REPO / "tests" / "corpus").rglob("stream_project.yml")]
)
ENVIRON = {"PG_JDBC_URL": "jdbc:postgresql://db:5432/shop", "PG_USER": "u", "PG_PASSWORD": "pw"}


@pytest.mark.parametrize("root", PROJECTS, ids=lambda p: p.name)
def test_every_compiled_job_is_one_statement_over_its_topics(root: Path) -> None:
    jobs = Context(root, environ=ENVIRON).compile().desired.jobs
    assert jobs
    for job in jobs:
        topics = {t for s in job.statements if (t := topic_of(s))}
        sent = cloud_statement(job.statements)
        # the model's own reading of the statement's tables: every one is a topic of the job
        assert tables_of(sqlglot.tokenize(sent.sql, read="spark")) == topics, job.pipeline_name
        model = ConfluentFlinkServer(
            organization_id=ORG,
            environment_id=ENV,
            api_key=KEY,
            api_secret=SECRET,
            compute_pools=(POOL,),
            catalogs=("payments",),
            databases={"lkc-q1w2e3": topics},
        )
        flink = client(model)
        name = flink.submit(list(job.statements), {"pipeline.name": job.pipeline_name})
        states = {j.job_id: j.state for j in flink.list_jobs()}
        assert states[name] == "RUNNING", (job.pipeline_name, flink.job_exceptions(name))
