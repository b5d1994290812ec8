from streamt import __version__
from streamt.cli import main


def test_version_prints_and_exits_zero(capsys):
    assert main(["--version"]) == 0
    assert __version__ in capsys.readouterr().out


def test_unknown_command_is_a_usage_error(capsys):
    assert main(["no-such-command"]) == 2
    assert "No such command" in capsys.readouterr().err


def test_validate_leaves_the_cycle_collector_as_it_found_it(tmp_path, capsys):
    import gc

    (tmp_path / "stream_project.yml").write_text("project: {name: p}\n")
    assert gc.isenabled()
    assert main(["validate", "--project-dir", str(tmp_path)]) == 0
    assert gc.isenabled()  # validate runs without it, an embedding process keeps it


def test_a_no_gc_command_run_through_clicks_runner_leaves_the_collector_on(tmp_path):
    import gc

    from click.testing import CliRunner

    from streamt.cli import cli

    (tmp_path / "stream_project.yml").write_text("project: {name: p}\n")
    assert gc.isenabled()
    for command in (["validate"], ["docs", "generate"], ["lineage"]):
        CliRunner().invoke(cli, [*command, "-p", str(tmp_path)], standalone_mode=False)
        assert gc.isenabled(), command  # a test's runner or an embedding process keeps it


def test_the_console_script_flushes_everything_and_keeps_the_exit_code(tmp_path):
    import json
    import subprocess
    import sys

    (tmp_path / "stream_project.yml").write_text(
        "project: {name: p}\nmodels:\n"
        + "".join(
            f"  - name: m{i}\n    sql: SELECT 1 AS x FROM {{{{ ref('nope') }}}}\n"
            for i in range(300)
        )
    )
    cmd = [sys.executable, "-m", "streamt", "validate", "--format", "json"]
    proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)  # the whole document arrived through the pipe
    assert len([d for d in report["diagnostics"] if d["code"] == "G001"]) == 300
