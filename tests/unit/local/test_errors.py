"""Error paths of the launcher: each a clear StreamtError with a K-code, never a traceback."""

import sys
from dataclasses import replace

import pytest

from streamt.diagnostics import StreamtError
from streamt.local import procs
from streamt.local.config import load_config
from streamt.local.fetch import _verify_pins
from streamt.local.javacheck import check_java
from streamt.local.launcher import Launcher as _Launcher
from streamt.local.ports import port_is_free, port_owner
from streamt.local.spec import Component, Health, HealthKind, ProcessLaunch

from .listener import MARKER, listening_child


def _spec(tmp_path, name, argv, port=0, binds=()):
    return ProcessLaunch(
        name=name,
        component=Component.KAFKA,
        version="0",
        argv=tuple(argv),
        port=port,
        bind_ports=tuple(binds),
        health=Health(HealthKind.HTTP, "http://127.0.0.1:9/never"),
        log_file=tmp_path / "logs" / f"{name}.log",
    )


def test_missing_java_is_K001():
    with pytest.raises(StreamtError) as err:
        check_java("/nonexistent/bin/java")
    assert err.value.diagnostics[0].code == "K001"
    assert "Java" in err.value.diagnostics[0].message


def test_too_old_java_is_K001(tmp_path):
    fake = tmp_path / "java"
    fake.write_text("#!/bin/sh\necho 'openjdk version \"11.0.2\" 2019-01-15' >&2\n")
    fake.chmod(0o755)
    with pytest.raises(StreamtError) as err:
        check_java(str(fake))
    assert err.value.diagnostics[0].code == "K001"
    assert "11.0.2" in err.value.diagnostics[0].message


def test_port_in_use_is_K002_and_names_the_process(tmp_path):
    with listening_child() as (pid, port):
        assert not port_is_free(port)
        owner = port_owner(port)
        assert owner is not None and "python" in owner and MARKER in owner
        cfg = load_config(home=tmp_path, env={})
        launcher = _Launcher(
            cfg, [_spec(tmp_path, "kafka", ["true"], port, [port])], lambda _m: None
        )
        with pytest.raises(StreamtError) as err:
            launcher.run(wait=True, timeout=5)
    diag = err.value.diagnostics[0]
    assert diag.code == "K002"
    assert str(port) in diag.message and f"pid {pid}" in diag.message and MARKER in diag.message


def test_a_component_dying_at_start_is_K004_with_its_last_log_lines(tmp_path):
    cfg = load_config(home=tmp_path, env={})
    script = "import sys; print('boom: bad config line 3'); sys.exit(3)"
    spec = _spec(tmp_path, "kafka", [sys.executable, "-c", script])
    with pytest.raises(StreamtError) as err:
        _Launcher(cfg, [spec], lambda _m: None).run(wait=True, timeout=20)
    diag = err.value.diagnostics[0]
    assert diag.code == "K004"
    assert "boom: bad config line 3" in diag.message
    assert procs.read_pid(cfg.run_dir, "kafka") is not None  # the PID file says what it was


def test_a_component_never_healthy_is_K005(tmp_path):
    cfg = load_config(home=tmp_path, env={})
    spec = _spec(tmp_path, "kafka", [sys.executable, "-c", "import time; time.sleep(30)"])
    launcher = _Launcher(cfg, [spec], lambda _m: None)
    try:
        with pytest.raises(StreamtError) as err:
            launcher.run(wait=True, timeout=1.0)
        assert err.value.diagnostics[0].code == "K005"
    finally:
        procs.stop(launcher.records["kafka"], cfg.run_dir, 5)


def test_checksum_mismatch_is_K003(tmp_path):
    (tmp_path / "apache_flink_libraries-2.2.0-py2.py3-none-any.whl").write_bytes(b"not it")
    with pytest.raises(StreamtError) as err:
        _verify_pins(tmp_path)
    assert err.value.diagnostics[0].code == "K003"
    assert "checksum mismatch" in err.value.diagnostics[0].message


def test_failed_download_is_K003(tmp_path, monkeypatch):
    from streamt.local import fetch
    from streamt.local.bundles import Bundle, Layout, MavenDep

    bundle = Bundle(
        key="nothing-0",
        label="a bundle that does not exist",
        layout=Layout.FLAT,
        maven=(MavenDep("invalid group", "no artifact", "0"),),
    )
    with pytest.raises(StreamtError) as err:
        fetch.ensure_bundles(tmp_path, [bundle], lambda _m: None)
    assert err.value.diagnostics[0].code == "K003"
    assert "a bundle that does not exist" in err.value.diagnostics[0].message
    assert not fetch.is_complete(tmp_path, bundle)


def test_cli_renders_a_stack_error_without_traceback(tmp_path, monkeypatch, capsys):
    from streamt.cli import main

    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "nojava"))
    monkeypatch.setenv("PATH", str(tmp_path))
    code = main(["local", "--home", str(tmp_path / "h"), "up", "--only", "kafka"])
    err = capsys.readouterr().err
    assert code == 1
    assert "error K001" in err and "Traceback" not in err


def test_reused_pid_is_not_ours(tmp_path):
    record = procs.spawn(
        "x", [sys.executable, "-c", "import time; time.sleep(30)"], run_dir=tmp_path,
        out_file=tmp_path / "x.out",
    )  # fmt: skip
    assert procs.is_running(record)
    impostor = replace(record, start_ticks=record.start_ticks + 1)
    assert not procs.is_running(impostor)
    procs.stop(record, tmp_path, 5)
    assert not procs.is_running(record)
    assert procs.read_pid(tmp_path, "x") is None
