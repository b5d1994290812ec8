"""An environment per pull request on the local stack (issue #12, point 5): the `streamt`
commands of examples/ci's workflow, run in order as the workflow would, for two pull requests
of a copy of that project side by side (a project name, source topic and pull-request numbers
of their own per run; endpoints from the run's stack through the variables environments/pr.yml
reads). Rows come out of both; closing one (its destroy job) removes every topic and job it
created and leaves the other running and processing."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
from confluent_kafka.admin import AdminClient

from tests.ci_workflow import CI, commands
from tests.integration.test_apply_support import read_all, wait_for_slots
from tests.kafka_helpers import create_topic, produce_json

pytestmark = pytest.mark.integration


def _running_jobs(rest: str) -> set[str]:
    jobs = httpx.get(f"{rest}/jobs/overview", timeout=10).json()["jobs"]
    return {j["name"] for j in jobs if j["state"] == "RUNNING"}


def test_two_pull_request_environments_side_by_side(local_stack, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    tag = uuid.uuid4().hex[:8]
    project, source = f"ci-{tag}", f"ci.orders.{tag}"
    root = tmp_path / "repo"
    shutil.copytree(CI, root)
    text = (root / "stream_project.yml").read_text()
    text = text.replace("name: ci-shop", f"name: {project}").replace("ci.orders.v1", source)
    (root / "stream_project.yml").write_text(text)
    environ = {
        **os.environ,
        "STREAMT_KAFKA_BOOTSTRAP": local_stack.kafka_bootstrap,
        "STREAMT_SCHEMA_REGISTRY_URL": local_stack.schema_registry_url,
        "STREAMT_FLINK_REST_URL": local_stack.flink_rest_url,
        "STREAMT_SQL_GATEWAY_URL": local_stack.sql_gateway_url,
    }
    environ.pop("STREAMT_ENV", None)

    def streamt(args: list[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "streamt", *args],
            cwd=root,
            env=environ,
            capture_output=True,
            text=True,
            timeout=420,
        )

    first, second = random.sample(range(100_000, 1_000_000), 2)
    bootstrap = local_stack.kafka_bootstrap
    create_topic(bootstrap, source)
    admin = AdminClient({"bootstrap.servers": bootstrap})
    jobs = {n: f"streamt.pr-{n}-{project}.orders_big" for n in (first, second)}
    try:
        for number in (first, second):
            wait_for_slots(1)
            for args in commands(number)["deploy"]:
                done = streamt(args)
                assert done.returncode == 0, (args, done.stdout, done.stderr)
                if args[0] == "plan":
                    assert f"pr-{number}-orders_big" in done.stdout, done.stdout
        assert set(jobs.values()) <= _running_jobs(local_stack.flink_rest_url)

        rows = [
            {"order_id": "o1", "amount": 5},
            {"order_id": "o2", "amount": 20},
            {"order_id": "o3", "amount": 11},
        ]
        produce_json(bootstrap, source, rows)
        expected = [{"order_id": "o2", "amount": 20}, {"order_id": "o3", "amount": 11}]
        for number in (first, second):
            got = read_all(bootstrap, f"pr-{number}-orders_big", expect=2)
            assert sorted((v for _, v in got), key=str) == expected, number

        # each job commits its offsets (on checkpoint) under its pipeline name as consumer group
        assert _await_groups(admin, set(jobs.values())), _groups(admin)
        for args in commands(first)["destroy"]:  # the first pull request is closed
            done = streamt(args)
            assert done.returncode == 0, (args, done.stdout, done.stderr)
        gone = f"pr-{first}-"
        assert not [t for t in admin.list_topics(timeout=10).topics if t.startswith(gone)]
        running = _running_jobs(local_stack.flink_rest_url)
        assert jobs[second] in running and not [j for j in running if gone in j]
        groups = _groups(admin)  # the destroyed job's group goes with it, the other's stays
        assert jobs[first] not in groups and jobs[second] in groups, groups
        plan = streamt(["plan", "--env", f"pr-{second}"])
        assert plan.returncode == 0 and "No changes." in plan.stdout, plan.stdout

        produce_json(bootstrap, source, [{"order_id": "o4", "amount": 99}])  # still processes
        got = read_all(bootstrap, f"pr-{second}-orders_big", expect=3)
        assert sorted((v for _, v in got), key=str) == sorted(
            [*expected, {"order_id": "o4", "amount": 99}], key=str
        )
    finally:
        for number in (first, second):
            streamt(["destroy", "--env", f"pr-{number}", "--auto-approve"])
        admin.delete_topics([source])


def _groups(admin: AdminClient) -> set[str]:
    listed = admin.list_consumer_groups(request_timeout=10).result()
    return {g.group_id for g in listed.valid}


def _await_groups(admin: AdminClient, wanted: set[str], timeout_s: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while not wanted <= _groups(admin):
        if time.monotonic() > deadline:
            return False
        time.sleep(1)
    return True
