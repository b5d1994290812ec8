"""streamt's Avro decoder jar is built only when a job names it and it is missing, and a missing
JDK or Flink jar is an AdapterError naming what to set (apply reports it as the job's failed
step). The build itself runs on the stack: tests/integration/test_bad_record_avro.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from streamt.adapters import udf_jar
from streamt.adapters.protocols import AdapterError
from streamt.compile import udf


def test_a_job_without_the_decoder_or_with_its_jar_built_builds_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[Path] = []
    monkeypatch.setattr(udf_jar, "build", lambda jar, environ: built.append(jar))
    jar = tmp_path / f"{udf.JAR_PREFIX}{udf.digest()}.jar"
    statement = udf.jar_statement(str(jar))
    udf_jar.ensure_built(["CREATE TEMPORARY FUNCTION `f` AS 'a.B' USING JAR '/x/own.jar'"], {})
    udf_jar.ensure_built(["ADD JAR '/x/own.jar'"], {})
    assert built == []
    udf_jar.ensure_built([statement], {})
    assert built == [jar]
    jar.write_bytes(b"PK")
    udf_jar.ensure_built([statement], {})
    assert built == [jar]


def test_missing_flink_jars_name_the_variable_to_set(tmp_path: Path) -> None:
    with pytest.raises(AdapterError) as caught:
        udf_jar.flink_jars({"STREAMT_FLINK_LIB": str(tmp_path)})
    assert "needs flink-table-api-java-uber-*.jar" in str(caught.value)
    assert "set STREAMT_FLINK_LIB" in str(caught.value)


def test_a_missing_jdk_names_java_home(tmp_path: Path) -> None:
    with pytest.raises(AdapterError) as caught:
        udf_jar._tool("javac", {"JAVA_HOME": str(tmp_path)})
    assert "needs a JDK (javac not found; set JAVA_HOME)" in str(caught.value)
