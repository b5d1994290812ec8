"""`docs serve`: the folder over HTTP on localhost; a change to a project file rebuilds."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from streamt.docs.serve import snapshot, start_server, watch


def test_snapshot_sees_project_files_only(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "target" / "docs").mkdir(parents=True)
    for name in ("stream_project.yml", "models/a.sql", ".env", "target/docs/x.yml", "notes.txt"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    assert set(snapshot(tmp_path)) == {"stream_project.yml", "models/a.sql", ".env"}


def test_a_change_rebuilds_and_a_failed_rebuild_is_reported(tmp_path: Path) -> None:
    project = tmp_path / "stream_project.yml"
    project.write_text("a", encoding="utf-8")
    builds: list[str] = []
    lines: list[str] = []
    stop = threading.Event()

    def rebuild() -> None:
        text = project.read_text(encoding="utf-8")
        if text == "broken":
            raise ValueError("bad project")
        builds.append(text)

    thread = threading.Thread(
        target=watch,
        args=(tmp_path, rebuild, lines.append),
        kwargs={"interval": 0.05, "stop": stop},
    )
    thread.start()
    try:
        for text in ("b", "broken", "c"):
            time.sleep(0.1)
            project.write_text(text, encoding="utf-8")
            deadline = time.monotonic() + 5
            while len(lines) < ("b", "broken", "c").index(text) + 1:
                assert time.monotonic() < deadline, lines
                time.sleep(0.02)
    finally:
        stop.set()
        thread.join()
    assert builds == ["b", "c"]
    assert lines[0].startswith("rebuilt in ")
    assert lines[1] == "rebuild failed, serving the last good site: bad project"


def test_server_serves_the_folder_on_localhost(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<h1>hi</h1>", encoding="utf-8")
    server = start_server(tmp_path, 0)
    try:
        host, port = server.server_address[:2]
        assert host == "127.0.0.1"
        response = httpx.get(f"http://127.0.0.1:{port}/index.html")
        assert (response.status_code, response.text) == (200, "<h1>hi</h1>")
        assert httpx.get(f"http://127.0.0.1:{port}/../etc/passwd").status_code == 404
    finally:
        server.shutdown()


class _ScriptedClock:
    """A `stop` event whose every wait runs the next step of a script (then reports "not set")."""

    def __init__(self, steps: list[Callable[[], None]]) -> None:
        self.steps = steps

    def wait(self, timeout: float) -> bool:
        if not self.steps:
            return True
        self.steps.pop(0)()
        return False

    def is_set(self) -> bool:
        return not self.steps


def test_a_save_caught_half_written_is_built_only_once_it_is_complete(tmp_path: Path) -> None:
    project = tmp_path / "stream_project.yml"
    project.write_text("a", encoding="utf-8")
    builds: list[str] = []
    clock = _ScriptedClock(
        [
            lambda: project.write_text("", encoding="utf-8"),  # the editor truncated the file ...
            lambda: project.write_text(
                "complete", encoding="utf-8"
            ),  # ... and filled it a poll later
            lambda: None,  # quiet: the save is complete
            lambda: None,
        ]
    )
    watch(
        tmp_path,
        lambda: builds.append(project.read_text(encoding="utf-8")),
        lambda _: None,
        stop=clock,
    )  # type: ignore[arg-type]
    assert builds == ["complete"]
