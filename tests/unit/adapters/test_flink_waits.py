"""The Flink adapter's waits on a scripted clock (no real sleep): a heartbeat every 10 s while a
savepoint is taken or a statement runs, backoff capped at one second, and a stop request that
ends the wait at the next poll without touching what Flink goes on doing."""

from __future__ import annotations

import threading

import httpx
import pytest

from streamt.adapters.flink import FlinkClient
from streamt.adapters.http import NO_RETRY
from streamt.adapters.waiting import Interrupted, Waits
from tests.fakes.flink import FlinkServer

from .fakes import Script, client, ok

S = "/v2/sessions/sess"


class Clock:
    """Time moves one second per sleep, whatever the sleep asked for (recorded)."""

    def __init__(self, stop_after: int | None = None, stop: threading.Event | None = None) -> None:
        self.now, self.slept = 0.0, list[float]()
        self.stop_after, self.stop = stop_after, stop

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += 1.0
        if self.stop is not None and len(self.slept) == self.stop_after:
            self.stop.set()  # Ctrl-C while this sleep lasts


def _on_model(server: FlinkServer, clock: Clock) -> FlinkClient:
    def http(base: str) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(server), base_url=base)

    return FlinkClient(
        http("http://flink"), http("http://gw"), retry=NO_RETRY, sleep=clock.sleep, clock=clock
    )


def test_a_savepoint_wait_beats_every_ten_seconds_and_polls_at_least_every_second():
    server, clock = FlinkServer(), Clock()
    server.savepoint_polls = 35  # IN_PROGRESS at t = 0 .. 34 s, COMPLETED at 35 s
    job = server.add_job("streamt.shop.orders_clean")
    beats: list[str] = []
    location = _on_model(server, clock).stop_with_savepoint(job.jid, waits=Waits(beat=beats.append))
    assert beats == [
        "savepoint in progress, 10 s",
        "savepoint in progress, 20 s",
        "savepoint in progress, 30 s",
    ]
    assert clock.slept == [0.1, 0.2, 0.4, 0.8] + [1.0] * 31
    assert location == job.stopped_with and server.jobs[job.jid].state == "FINISHED"


def test_no_beat_in_a_wait_shorter_than_the_period_nor_without_a_listener():
    server, clock = FlinkServer(), Clock()
    server.savepoint_polls = 9
    beats: list[str] = []
    job = server.add_job("p")
    _on_model(server, clock).stop_with_savepoint(job.jid, waits=Waits(beat=beats.append))
    assert beats == []
    server.savepoint_polls = 30
    other = server.add_job("q")
    assert _on_model(server, Clock()).stop_with_savepoint(other.jid)  # no waits: no beat, fine


def test_a_statement_wait_beats_its_status():
    gw = Script().add("POST", "/v2/sessions", ok({"sessionHandle": "sess"}))
    gw.add("POST", f"{S}/statements", ok({"operationHandle": "op"}))
    for _ in range(25):
        gw.add("GET", f"{S}/operations/op/status", ok({"status": "RUNNING"}))
    gw.add("GET", f"{S}/operations/op/status", ok({"status": "FINISHED"}))
    gw.add("GET", f"{S}/operations/op/result/0", ok({"resultType": "EOS", "jobID": "j" * 32}))
    gw.add("DELETE", S, ok({}))
    clock, beats = Clock(), list[str]()
    flink = FlinkClient(
        client(Script(), "http://flink.test"),
        client(gw, "http://gateway.test"),
        sleep=clock.sleep,
        clock=clock,
    )
    job_id = flink.submit(["INSERT INTO t SELECT 1"], {}, Waits(beat=beats.append))
    assert job_id == "j" * 32
    assert beats == ["statement RUNNING, 10 s", "statement RUNNING, 20 s"]


def test_stop_ends_a_savepoint_wait_at_the_next_poll_and_flink_finishes_the_stop_alone():
    server = FlinkServer()
    server.savepoint_polls = 10**6
    job = server.add_job("streamt.shop.orders_clean")
    stop = threading.Event()
    clock = Clock(stop_after=5, stop=stop)
    flink = _on_model(server, clock)
    with pytest.raises(Interrupted):
        flink.stop_with_savepoint(job.jid, waits=Waits(stop))
    (trigger,) = server.triggers
    assert server.trigger_polls[trigger] == 5  # no poll after the stop request
    assert server.jobs[job.jid].state == "RUNNING"
    assert flink.stop_savepoint(job.jid) == ("IN_PROGRESS", "")
    server.finish_stops()  # Flink takes the savepoint all the same and ends the job
    left = server.jobs[job.jid].stopped_with
    assert left and flink.stop_savepoint(job.jid) == ("COMPLETED", left)
    assert flink.stop_savepoint(server.add_job("q").jid) == ("", "")  # never stopped
    assert flink.stop_savepoint("f" * 32) == ("", "")  # a job Flink does not know


def test_a_stop_requested_before_the_wait_ends_it_without_sleeping():
    stop = threading.Event()
    stop.set()
    clock = Clock()
    with pytest.raises(Interrupted):
        Waits(stop).pause(1.0, clock.sleep)
    assert clock.slept == []
