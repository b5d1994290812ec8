import pytest

from streamt.adapters.connect import ConnectClient
from streamt.adapters.http import RetryPolicy
from streamt.adapters.protocols import AdapterError
from streamt.resources import ConnectorState

from .fakes import Script, client, ok, text

LISTING = {
    "sink-a": {
        "info": {
            "name": "sink-a",
            "config": {"connector.class": "X", "tasks.max": "2"},
            "tasks": [],
            "type": "sink",
        },
        "status": {
            "name": "sink-a",
            "connector": {"state": "RUNNING", "worker_id": "w:8083"},
            "tasks": [
                {"id": 1, "state": "FAILED", "worker_id": "w", "trace": "org.X: broke\n\tat y"},
                {"id": 0, "state": "RUNNING", "worker_id": "w"},
            ],
            "type": "sink",
        },
    }
}


def connect(script: Script) -> ConnectClient:
    return ConnectClient(client(script), retry=RetryPolicy(attempts=1))


def test_list_is_one_call_with_status_and_info():
    script = Script().add("GET", "/connectors", ok(LISTING))
    c = connect(script)
    assert c.list_connectors() == [
        ConnectorState(
            name="sink-a",
            config={"connector.class": "X", "tasks.max": "2"},
            state="RUNNING",
            tasks=("RUNNING", "FAILED"),
            type="sink",
            errors=("org.X: broke",),
        )
    ]
    assert c.calls == 1
    assert script.seen[0].url.params.get_list("expand") == ["status", "info"]


def test_list_rejects_a_malformed_answer():
    script = Script().add("GET", "/connectors", ok(["sink-a"]))
    with pytest.raises(AdapterError, match="expected connectors to be an object"):
        connect(script).list_connectors()


def test_put_is_idempotent_config_put_with_encoded_name():
    """The same PUT creates (201) and then updates (200): no create-or-update branching."""
    script = (
        Script()
        .add("PUT", "/connectors/my%20sink/config", ok({}, status=201))
        .add("PUT", "/connectors/my%20sink/config", ok({}, status=200))
    )
    c = connect(script)
    c.put_connector("my sink", {"connector.class": "X"})
    c.put_connector("my sink", {"connector.class": "X"})
    assert script.body(0) == script.body(1) == {"connector.class": "X"}
    assert script.steps == [] and c.calls == 2


def test_put_with_a_bad_config_raises_with_the_connect_message():
    body = '{"error_code":400,"message":"Connector configuration is invalid"}'
    script = Script().add("PUT", "/connectors/s/config", text(body, 400))
    with pytest.raises(AdapterError, match="configuration is invalid") as err:
        connect(script).put_connector("s", {})
    assert err.value.status == 400 and err.value.system == "kafka-connect"


def test_delete_sends_one_delete_request():
    script = Script().add("DELETE", "/connectors/s", text("", 204))
    c = connect(script)
    c.delete_connector("s")
    assert [(r.method, r.url.path) for r in script.seen] == [("DELETE", "/connectors/s")]
    assert script.steps == [] and c.calls == 1


def test_delete_missing_connector_is_fine():
    script = Script().add("DELETE", "/connectors/s", text("", 404))
    connect(script).delete_connector("s")
    assert [(r.method, r.url.path) for r in script.seen] == [("DELETE", "/connectors/s")]


def test_pause_resume_restart():
    script = (
        Script()
        .add("PUT", "/connectors/s/pause", ok(status=202))
        .add("PUT", "/connectors/s/resume", ok(status=202))
    )
    script.add("POST", "/connectors/s/restart", ok(status=202))
    c = connect(script)
    c.pause_connector("s")
    c.resume_connector("s")
    c.restart_connector("s", only_failed=True)
    assert script.seen[2].url.params["onlyFailed"] == "true"
    assert c.calls == 3


def test_validate_reports_connect_errors_per_key():
    answer = {
        "name": "org.apache.kafka.connect.file.FileStreamSinkConnector",
        "error_count": 1,
        "configs": [
            {
                "definition": {"name": "topics"},
                "value": {
                    "name": "topics",
                    "value": None,
                    "errors": ["Must configure one of topics or topics.regex"],
                },
            },
            {
                "definition": {"name": "file"},
                "value": {"name": "file", "value": "/tmp/x", "errors": []},
            },
        ],
    }
    script = Script().add(
        "PUT",
        "/connector-plugins/org.apache.kafka.connect.file.FileStreamSinkConnector/config/validate",
        ok(answer),
    )
    config = {
        "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
        "file": "/tmp/x",
    }
    assert connect(script).validate_connector("s", config) == [
        "topics: Must configure one of topics or topics.regex"
    ]
    assert script.body(0) == {"name": "s", **config}


def test_validate_of_an_unknown_class_is_one_error_without_the_plugin_dump():
    body = '{"error_code":500,"message":"BadRequestException: Failed to find any class that implements Connector and which name matches com.nope.Sink, available connectors are: PluginDesc{...}"}'
    script = Script().add(
        "PUT", "/connector-plugins/com.nope.Sink/config/validate", text(body, 500)
    )
    c = connect(script)
    assert c.validate_connector("s", {"connector.class": "com.nope.Sink"}) == [
        "connector.class: BadRequestException: Failed to find any class that implements Connector and which name matches com.nope.Sink"
    ]
    assert c.calls == 1  # not retried
    assert connect(Script()).validate_connector("s", {}) == ["connector.class: missing"]
