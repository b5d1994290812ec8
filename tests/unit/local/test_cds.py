from streamt.local import cds


def test_first_start_records_then_later_starts_map_the_archive(tmp_path, monkeypatch):
    monkeypatch.delenv("STREAMT_LOCAL_CDS", raising=False)
    argv = ["/usr/bin/java", "-Xmx1g", "-cp", "a.jar", "Main"]
    first = cds.with_cds(argv, tmp_path, "kafka")
    archive = cds.archive_path(tmp_path, "kafka", argv)
    assert first[0] == "/usr/bin/java" and first[-4:] == argv[1:]
    assert f"-XX:ArchiveClassesAtExit={archive}" in first
    archive.write_bytes(b"archive")
    assert f"-XX:SharedArchiveFile={archive}" in cds.with_cds(argv, tmp_path, "kafka")


def test_a_changed_command_line_gets_a_new_archive_and_drops_the_old(tmp_path):
    old = ["java", "-cp", "a.jar", "Main"]
    cds.archive_path(tmp_path, "kafka", old).write_bytes(b"x")
    new = ["java", "-cp", "b.jar", "Main"]
    flags = cds.with_cds(new, tmp_path, "kafka")
    assert any(f.startswith("-XX:ArchiveClassesAtExit=") for f in flags)
    assert not cds.archive_path(tmp_path, "kafka", old).exists()


def test_not_a_jvm_or_disabled_is_left_alone(tmp_path, monkeypatch):
    assert cds.with_cds(["python", "-m", "x"], tmp_path, "proxy") == ["python", "-m", "x"]
    monkeypatch.setenv("STREAMT_LOCAL_CDS", "0")
    assert cds.with_cds(["java", "Main"], tmp_path, "kafka") == ["java", "Main"]
