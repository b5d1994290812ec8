"""Strict values: URLs per field, credentials that must stay `${VAR}` placeholders.

`url_problem(value, schemes)` says why a runtime or alert URL is unusable ("" when it is fine):
a scheme from the field's closed set (http/https for every REST endpoint), a host, a numeric
port in range, no whitespace or control characters. Parts written as `${VAR}` are checked once
resolved, not here. `url_userinfo(value)` is True when credentials are written inside the URL
(they would reach logs and artifacts; the fields' username/password keys exist for them).
`literal_secret(value)` is True when a credential field holds text that is not only `${VAR}`
placeholders. Pure: no I/O.
"""

from __future__ import annotations

from streamt.config.env import placeholders

HTTP = frozenset({"http", "https"})
MAX_PORT = 65_535
SECRET_WORDS = ("password", "secret", "jaas", "api_key", "apikey", "token", "credential")


def url_problem(value: str, schemes: frozenset[str] = HTTP) -> str:
    found = placeholders(value)
    if found and found[0].start == 0:
        return ""  # the URL comes from the environment: checked when it is resolved
    if any(ch.isspace() or not ch.isprintable() for ch in value):
        return "contains whitespace or a control character"
    scheme, sep, rest = value.partition("://")
    if not sep:
        return f"has no scheme (write {' or '.join(sorted(schemes))}://host:port)"
    if scheme.lower() not in schemes:
        return f"uses scheme '{scheme}' (allowed: {', '.join(sorted(schemes))})"
    authority = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    hostport = authority.rpartition("@")[2]
    return _hostport_problem(hostport, bool(placeholders(hostport)))


def _hostport_problem(hostport: str, from_env: bool) -> str:
    if from_env:
        return ""  # host or port from the environment
    if hostport.startswith("["):  # [IPv6]:port
        host, _, port = hostport[1:].partition("]")
        port = port.removeprefix(":")
    else:
        host, _, port = hostport.partition(":")
    if not host:
        return "has no host"
    if port and not (port.isdigit() and 1 <= int(port[:6]) <= MAX_PORT):
        return f"has an invalid port '{port}'"
    return ""


def bootstrap_problem(value: str) -> str:
    """Why a Kafka bootstrap list (`host:port,host:port`) is unusable, or ""."""
    if placeholders(value):
        return ""
    for server in value.split(","):
        server = server.strip()
        if "://" in server:
            server = server.partition("://")[2]  # PLAINTEXT://host:port is accepted by clients
        host, sep, port = server.rpartition(":")
        if not sep or not host:
            return f"entry '{server}' is not host:port"
        problem = _hostport_problem(server, False)
        if problem or not port:
            return f"entry '{server}' {problem or 'has no port'}"
    return ""


def url_userinfo(value: str) -> bool:
    _, sep, rest = value.partition("://")
    authority = rest.split("/", 1)[0] if sep else ""
    return "@" in authority


def literal_secret(value: str) -> bool:
    """Whether `value` holds secret text itself (anything besides `${VAR}` placeholders)."""
    rest, pos = [], 0
    for ph in placeholders(value):
        rest.append(value[pos : ph.start])
        pos = ph.end
    rest.append(value[pos:])
    return bool("".join(rest).strip())


def is_secret_key(key: str) -> bool:
    """Whether a free-form option key (connector config, Kafka properties) names a credential."""
    low = key.lower()
    return any(word in low for word in SECRET_WORDS)
