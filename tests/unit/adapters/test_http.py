import httpx
import pytest

from streamt.adapters.http import HttpApi, RetryPolicy, http_client
from streamt.adapters.protocols import AdapterError, redact_url

from .fakes import Script, Sleeps, client, ok, text


def api(script: Script, sleeps: Sleeps | None = None, attempts: int = 4) -> HttpApi:
    return HttpApi(
        "sys",
        client(script),
        retry=RetryPolicy(attempts=attempts),
        sleep=sleeps if sleeps is not None else Sleeps(),
    )


def test_success_counts_one_call_and_decodes_json():
    script = Script().add("GET", "/a", ok({"x": 1}))
    a = api(script)
    assert a.request("GET", "/a").json() == {"x": 1}
    assert a.calls == 1


def test_client_error_names_system_url_status_and_body_and_is_not_retried():
    script = Script().add("GET", "/a", text('{"message":"nope"}', 404))
    a = api(script)
    with pytest.raises(AdapterError) as err:
        a.request("GET", "/a")
    e = err.value
    assert (e.system, e.status, e.url) == ("sys", 404, "http://system.test/a")
    assert "nope" in str(e) and "HTTP 404" in str(e)
    assert a.calls == 1


def test_allowed_status_is_returned_not_raised():
    script = Script().add("GET", "/a", text("", 404))
    assert api(script).request("GET", "/a", allow=(404,)).status == 404


def test_5xx_on_get_is_retried_with_exponential_backoff_then_succeeds():
    script = Script().add("GET", "/a", text("boom", 500)).add("GET", "/a", text("boom", 503))
    script.add("GET", "/a", ok([1]))
    sleeps = Sleeps()
    a = api(script, sleeps)
    assert a.request("GET", "/a").json() == [1]
    assert a.calls == 3
    assert sleeps == [0.25, 0.5]


def test_retries_are_bounded_and_the_last_error_is_raised():
    script = Script()
    for _ in range(3):
        script.add("PUT", "/a", text("down", 502))
    sleeps = Sleeps()
    a = api(script, sleeps, attempts=3)
    with pytest.raises(AdapterError) as err:
        a.request("PUT", "/a", json_body={})
    assert err.value.status == 502 and err.value.transient
    assert a.calls == 3 and len(sleeps) == 2


def test_backoff_is_capped():
    policy = RetryPolicy(attempts=10, base_delay_s=1.0, max_delay_s=3.0)
    assert [policy.delay(n) for n in range(1, 5)] == [1.0, 2.0, 3.0, 3.0]


def test_5xx_on_post_is_not_retried_because_it_may_have_been_processed():
    script = Script().add("POST", "/a", text("boom", 500))
    a = api(script)
    with pytest.raises(AdapterError) as err:
        a.request("POST", "/a", json_body={})
    assert err.value.status == 500 and not err.value.transient
    assert a.calls == 1


def test_429_is_retried_even_for_post():
    script = Script().add("POST", "/a", text("slow down", 429)).add("POST", "/a", ok({"id": 1}))
    assert api(script).request("POST", "/a", json_body={}).json() == {"id": 1}


def test_connection_errors_are_retried_for_any_method():
    script = Script().add("POST", "/a", httpx.ConnectError("refused")).add("POST", "/a", ok({}))
    a = api(script)
    assert a.request("POST", "/a", json_body={}).status == 200
    assert a.calls == 2


def test_connection_error_after_all_attempts_says_cannot_connect():
    script = Script()
    for _ in range(2):
        script.add("GET", "/a", httpx.ConnectError("refused"))
    with pytest.raises(AdapterError, match="cannot connect") as err:
        api(script, attempts=2).request("GET", "/a")
    assert err.value.status is None and err.value.url == "http://system.test/a"


def test_read_timeout_is_retried_on_get_but_not_on_post():
    script = Script().add("GET", "/a", httpx.ReadTimeout("slow")).add("GET", "/a", ok({}))
    assert api(script).request("GET", "/a").status == 200
    script = Script().add("POST", "/a", httpx.ReadTimeout("slow"))
    a = api(script)
    with pytest.raises(AdapterError, match="timed out"):
        a.request("POST", "/a", json_body={})
    assert a.calls == 1


def test_invalid_json_is_an_adapter_error_with_the_body_excerpt():
    script = Script().add("GET", "/a", text("<html>oops</html>", 200))
    reply = api(script).request("GET", "/a")
    with pytest.raises(AdapterError, match="invalid JSON") as err:
        reply.json()
    assert "<html>oops" in str(err.value) and err.value.status == 200


def test_empty_body_decodes_to_none():
    script = Script().add("DELETE", "/a", ok(status=204))
    assert api(script).request("DELETE", "/a").json() is None


def test_credentials_are_sent_as_basic_auth_and_never_appear_in_errors():
    script = Script().add("GET", "/a", text("denied", 401))
    c = http_client("http://system.test", username="alice", password="s3cret")
    c._transport = httpx.MockTransport(script)
    a = HttpApi("sys", c, retry=RetryPolicy(attempts=1))
    with pytest.raises(AdapterError) as err:
        a.request("GET", "/a")
    assert script.seen[0].headers["authorization"].startswith("Basic ")
    assert "s3cret" not in str(err.value) and "alice" not in str(err.value)


def test_userinfo_in_urls_is_redacted():
    assert redact_url("https://bob:pw@reg.example/x?y=1") == "https://***@reg.example/x?y=1"
    assert "pw" not in str(AdapterError("sr", "bad", url="https://bob:pw@reg.example/x"))
