"""Flink helpers for integration tests: a SQL Gateway REST session and Flink REST job calls."""

from __future__ import annotations

import time
from typing import Any

import httpx


class GatewayError(RuntimeError):
    pass


class SqlGatewaySession:
    """One SQL Gateway session (REST API v1); statements run one at a time."""

    def __init__(self, gateway_url: str, properties: dict[str, str] | None = None) -> None:
        self.http = httpx.Client(base_url=gateway_url, timeout=30.0)
        body = {"properties": properties or {}}
        self.handle = (
            self.http.post("/v1/sessions", json=body).raise_for_status().json()["sessionHandle"]
        )

    def execute(self, statement: str, timeout: float = 60.0) -> dict[str, Any]:
        """Run a statement; returns {'rows': [...], 'job_id': str | None}."""
        op = (
            self.http.post(f"/v1/sessions/{self.handle}/statements", json={"statement": statement})
            .raise_for_status()
            .json()["operationHandle"]
        )
        rows: list[list[Any]] = []
        job_id: str | None = None
        uri = f"/v1/sessions/{self.handle}/operations/{op}/result/0"
        deadline = time.monotonic() + timeout
        while uri:
            resp = self.http.get(uri)
            if resp.status_code != 200:
                raise GatewayError(f"{statement[:80]}...: {_errors(resp)}")
            body = resp.json()
            job_id = body.get("jobID") or job_id
            kind = body.get("resultType")
            rows += [d["fields"] for d in body.get("results", {}).get("data", [])]
            if kind == "EOS" or (job_id and kind == "PAYLOAD" and not body.get("nextResultUri")):
                break
            uri = body.get("nextResultUri") or ""
            if kind == "NOT_READY":
                if time.monotonic() > deadline:
                    raise GatewayError(f"statement did not finish in {timeout} s: {statement[:80]}")
                time.sleep(0.2)
        return {"rows": rows, "job_id": job_id}

    def close(self) -> None:
        try:
            self.http.delete(f"/v1/sessions/{self.handle}")
        finally:
            self.http.close()

    def __enter__(self) -> SqlGatewaySession:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _errors(resp: httpx.Response) -> str:
    try:
        errors = resp.json().get("errors", [])
    except ValueError:
        return resp.text[:2000]
    text = "\n".join(str(e) for e in errors)
    # keep the root cause lines, not the whole Java stack
    causes = [ln for ln in text.splitlines() if "Exception" in ln or "Caused by" in ln]
    return "\n".join(causes[-6:]) or text[:2000]


def job_state(flink_rest_url: str, job_id: str) -> str:
    return str(httpx.get(f"{flink_rest_url}/jobs/{job_id}", timeout=10).json()["state"])


def wait_job_state(
    flink_rest_url: str, job_id: str, states: set[str], timeout: float = 60.0
) -> str:
    deadline = time.monotonic() + timeout
    state = ""
    while time.monotonic() < deadline:
        state = job_state(flink_rest_url, job_id)
        if state in states:
            return state
        if state in {"FAILED"}:
            exc = httpx.get(f"{flink_rest_url}/jobs/{job_id}/exceptions", timeout=10).json()
            raise RuntimeError(f"job {job_id} failed: {str(exc.get('root-exception'))[:2000]}")
        time.sleep(0.3)
    raise TimeoutError(f"job {job_id} is {state}, not in {states} after {timeout} s")


def wait_job_running_tasks(flink_rest_url: str, job_id: str, timeout: float = 60.0) -> None:
    """Wait until every vertex of the job is RUNNING (a job can be RUNNING while deploying)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = httpx.get(f"{flink_rest_url}/jobs/{job_id}", timeout=10).json()
        if body["state"] == "FAILED":
            wait_job_state(flink_rest_url, job_id, {"RUNNING"}, 1)
        vertices = body.get("vertices", [])
        if vertices and all(v["status"] == "RUNNING" for v in vertices):
            return
        time.sleep(0.3)
    raise TimeoutError(f"job {job_id} tasks not all RUNNING after {timeout} s")


def cancel_job(flink_rest_url: str, job_id: str) -> None:
    httpx.patch(f"{flink_rest_url}/jobs/{job_id}?mode=cancel", timeout=10)
    wait_job_state(flink_rest_url, job_id, {"CANCELED", "FINISHED", "FAILED"}, 30)


def stop_with_savepoint(flink_rest_url: str, job_id: str, timeout: float = 60.0) -> str:
    """POST /jobs/:id/stop and wait for the savepoint; returns its location."""
    trigger = (
        httpx.post(f"{flink_rest_url}/jobs/{job_id}/stop", json={"drain": False}, timeout=10)
        .raise_for_status()
        .json()["request-id"]
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = httpx.get(f"{flink_rest_url}/jobs/{job_id}/savepoints/{trigger}", timeout=10).json()
        if body["status"]["id"] == "COMPLETED":
            operation = body.get("operation", {})
            if "failure-cause" in operation:
                raise RuntimeError(f"savepoint failed: {operation['failure-cause']}")
            return str(operation["location"])
        time.sleep(0.3)
    raise TimeoutError(f"savepoint of {job_id} not completed in {timeout} s")
