"""V180-V182: a `type: confluent` Flink cluster is checked for what its statements API needs."""

from __future__ import annotations

from pathlib import Path

from streamt.context import Context

FIXTURE = Path(__file__).parents[2] / "fixtures" / "confluent_fraud"
ENVIRON = {
    "CONFLUENT_BOOTSTRAP": "pkc:9092",
    "CONFLUENT_FLINK_API_KEY": "KEY1234",
    "CONFLUENT_FLINK_API_SECRET": "secret-value",
}


def validate(tmp_path: Path, edit: tuple[str, str] = ("", "")) -> list[object]:
    text = (FIXTURE / "stream_project.yml").read_text()
    (tmp_path / "stream_project.yml").write_text(text.replace(*edit) if edit[0] else text)
    return list(Context(tmp_path, environ=ENVIRON).validate().diagnostics)


def by_code(diags: list[object], code: str) -> list[object]:
    return [d for d in diags if d.code == code]  # type: ignore[attr-defined]


def test_the_fraud_fixture_is_complete(tmp_path: Path) -> None:
    diags = validate(tmp_path)
    assert not [d for d in diags if d.is_error]  # type: ignore[attr-defined]
    assert not by_code(diags, "V180") and not by_code(diags, "V181")


def test_a_cluster_without_its_ids_or_endpoint_is_v180_at_the_cluster(tmp_path: Path) -> None:
    edit = ("        compute_pool_id: lfcp-x1y2z3\n        cloud: aws\n", "")
    (missing,) = by_code(validate(tmp_path, edit), "V180")
    assert "compute_pool_id" in missing.message  # type: ignore[attr-defined]
    assert "cloud + region (or rest_url)" in missing.message  # type: ignore[attr-defined]
    assert missing.location.line == 12  # type: ignore[attr-defined]  # `cloud:` under clusters
    assert missing.is_error  # type: ignore[attr-defined]


def test_a_sql_gateway_url_on_a_confluent_cluster_is_v181(tmp_path: Path) -> None:
    edit = ("        cloud: aws\n", "        cloud: aws\n        sql_gateway_url: http://gw:8083\n")
    (unused,) = by_code(validate(tmp_path, edit), "V181")
    assert "no SQL Gateway" in unused.message  # type: ignore[attr-defined]


def test_a_literal_api_key_is_a_literal_secret(tmp_path: Path) -> None:
    edit = ("api_key: ${CONFLUENT_FLINK_API_KEY}", "api_key: ABCDEFGHIJKL1234")
    assert any("api_key" in d.message for d in by_code(validate(tmp_path, edit), "L052"))  # type: ignore[attr-defined]


def test_unit_and_continuous_tests_on_a_confluent_default_are_warned(tmp_path: Path) -> None:
    tests = (
        "tests:\n"
        "  - {name: scored_unit, model: fraud_predictions, type: unit}\n"
        "  - {name: scored_schema, model: fraud_predictions, type: schema,"
        " assertions: [{not_null: {columns: [transaction_id]}}]}\n"
    )
    (tmp_path / "stream_project.yml").write_text(
        (FIXTURE / "stream_project.yml").read_text() + tests
    )
    diags = list(Context(tmp_path, environ=ENVIRON).validate().diagnostics)
    (warned,) = by_code(diags, "V183")
    assert "unit test 'scored_unit'" in warned.message  # type: ignore[attr-defined]
    assert not warned.is_error  # type: ignore[attr-defined]
