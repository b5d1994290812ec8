"""Strict values of the runtime configuration: URLs, bootstrap lists, credentials in text."""

import pytest

from streamt.config.checks import (
    bootstrap_problem,
    is_secret_key,
    literal_secret,
    url_problem,
    url_userinfo,
)


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:8081",
        "https://registry.example.com",  # no port: the scheme's own
        "HTTP://h:1",  # schemes compare without case
        "http://h:65535",  # the highest port
        "https://h:443/a/b/c",  # only the first / ends the authority
        "http://h:1?x=/y",
        "http://h:1#a/b",
        "http://user:pw@h:1/x",  # the host is after the last @ (userinfo is flagged apart)
        "http://[::1]:8081",
        "http://${HOST}:8081",  # the host comes from the environment
        "http://h:${PORT}",
        "${REGISTRY_URL}",  # the whole URL comes from the environment
    ],
)
def test_usable_urls_have_no_problem(url: str) -> None:
    assert url_problem(url) == ""


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("localhost:8081", "has no scheme (write http or https://host:port)"),
        ("ftp://h:1", "uses scheme 'ftp' (allowed: http, https)"),
        ("http://:8081", "has no host"),
        ("http://h:0", "has an invalid port '0'"),
        ("http://h:65536", "has an invalid port '65536'"),
        ("http://h:80a", "has an invalid port '80a'"),
        ("http://[::1]:x", "has an invalid port 'x'"),
        ("http://h :1", "contains whitespace or a control character"),
        ("http://h:1\x00", "contains whitespace or a control character"),
        ("x${A}://h", "uses scheme 'x${A}' (allowed: http, https)"),  # only a leading ${} defers
    ],
)
def test_unusable_urls_say_why(url: str, problem: str) -> None:
    assert url_problem(url) == problem


def test_a_field_with_its_own_schemes_lists_them_sorted() -> None:
    schemes = frozenset({"wss", "ws"})
    assert url_problem("http://h:1", schemes) == "uses scheme 'http' (allowed: ws, wss)"
    assert url_problem("h:1", schemes) == "has no scheme (write ws or wss://host:port)"
    assert url_problem("ws://h:1", schemes) == ""


@pytest.mark.parametrize(
    ("servers", "problem"),
    [
        ("a:9092", ""),
        ("a:9092, b:9093", ""),
        ("PLAINTEXT://a:9092,SASL_SSL://b:9093", ""),
        ("${BOOTSTRAP}", ""),
        ("a", "entry 'a' is not host:port"),
        (":9092", "entry ':9092' is not host:port"),
        ("a:9092,b", "entry 'b' is not host:port"),
        ("a:", "entry 'a:' has no port"),
        ("a:99999", "entry 'a:99999' has an invalid port '99999'"),
        ("PLAINTEXT://a:x", "entry 'a:x' has an invalid port 'x'"),
    ],
)
def test_bootstrap_lists_are_host_port_entries(servers: str, problem: str) -> None:
    assert bootstrap_problem(servers) == problem


@pytest.mark.parametrize(
    ("url", "has_userinfo"),
    [
        ("http://user:pw@h:1", True),
        ("https://${USER}@h", True),
        ("http://h:1/path@x", False),  # an @ in the path is no credential
        ("http://h:1", False),
        ("user@h:1", False),  # no scheme: no authority to read
    ],
)
def test_credentials_inside_a_url_are_found_in_its_authority_only(
    url: str, has_userinfo: bool
) -> None:
    assert url_userinfo(url) is has_userinfo


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        ("${PASSWORD}", False),
        ("  ${USER}  ", False),  # spaces around a placeholder are no secret
        ("${A}${B}", False),
        ("hunter2", True),
        ("pw${A}", True),
        ("${A}:${B}", True),
        ("${A}x", True),
        ("$${A}", True),  # an escaped placeholder is literal text
        ("", False),
    ],
)
def test_a_literal_secret_is_any_text_besides_placeholders(value: str, literal: bool) -> None:
    assert literal_secret(value) is literal


@pytest.mark.parametrize(
    ("key", "secret"),
    [
        ("sasl.jaas.config", True),
        ("connection.password", True),
        ("Schema.Registry.Basic.Auth.User.Info.API_KEY", True),
        ("oauth.token.endpoint", True),
        ("bootstrap.servers", False),
        ("connection.user", False),
    ],
)
def test_secret_option_keys_are_named_by_their_words(key: str, secret: bool) -> None:
    assert is_secret_key(key) is secret
