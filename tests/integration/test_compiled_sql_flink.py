"""Every compiled job of the example projects (the golden SQL) is accepted by the real Flink 2.2
planner of the local stack: each job's statements run in a fresh SQL Gateway session and its
INSERT is EXPLAINed (planning only: nothing is submitted, no data needed).
"""

from __future__ import annotations

import pytest

from streamt.adapters.flink import FlinkClient
from streamt.adapters.http import http_client
from streamt.local.endpoints import Endpoints
from tests.unit.compile.helpers import EXAMPLES, GOLDEN, compile_dir
from tests.unit.compile.test_goldens import EXAMPLE_NAMES

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def flink(local_stack: Endpoints) -> FlinkClient:
    return FlinkClient(
        http_client(local_stack.flink_rest_url), http_client(local_stack.sql_gateway_url)
    )


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_every_compiled_job_is_accepted_by_the_planner(example: str, flink: FlinkClient) -> None:
    result, _ = compile_dir(EXAMPLES / example)
    jobs = result.desired.jobs
    assert jobs
    failures = {}
    for job in jobs:
        golden = (GOLDEN / example / "flink" / f"{job.name}.sql").read_text(encoding="utf-8")
        assert golden.endswith(job.script), f"{example}/{job.name}: golden is stale"
        errors = flink.explain(list(job.statements))
        if errors:
            failures[job.name] = errors
    assert not failures, failures


def test_the_planner_check_rejects_a_broken_job(flink: FlinkClient) -> None:
    """Control: the same path reports an error when the INSERT does not type-check."""
    result, _ = compile_dir(EXAMPLES / "payments")
    job = next(j for j in result.desired.jobs if j.name == "payments_validated")
    broken = [*job.statements[:-1], job.statements[-1].replace("`status`", "`no_such_column`", 1)]
    assert flink.explain(broken)
