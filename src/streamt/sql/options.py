"""Option values of generated Flink statements, found by the Flink tokenizer and re-quoted.

An option value is the string literal on the right of `'key' = 'value'` in `SET 'k' = 'v'` or in
the `WITH (...)` clause of `CREATE [TEMPORARY] TABLE`. Nothing else is one: a literal in a query
(an INSERT, a view, a computed column, a watermark) never is, whatever it holds.

`option_values(statement)` lists them; `rebind_options(statement, bind)` regenerates each option
value literal from `bind(key, value)` with the generator's own quoting (`quote_string`) and
leaves every other byte of the statement as it was. `bound_statements` / `bound_config` use it to
bind `${VAR}` references to their values at apply (and test) time: into the value of an option,
never into statement text, JAAS-escaped inside a JAAS config. No I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from sqlglot.errors import TokenError
from sqlglot.tokenizer_core import Token, TokenType

from streamt.config import jaas
from streamt.config.env import missing_variables, resolve
from streamt.sql.dialect import DIALECT, quote_string


@dataclass(frozen=True)
class OptionValue:
    key: str
    value: str
    start: int  # offset of the value literal's opening quote
    end: int  # offset just past its closing quote


def option_values(statement: str) -> list[OptionValue]:
    """The option values of a SET or CREATE TABLE statement; [] for any other statement."""
    try:
        tokens = DIALECT.tokenize(statement)
    except TokenError:
        return []
    return [_value(tokens, i) for i in _value_indexes(tokens)]


def rebind_options(statement: str, bind: Callable[[str, str], str]) -> str:
    """`statement` with every option value `v` of key `k` regenerated as `bind(k, v)`."""
    out: list[str] = []
    pos = 0
    for opt in option_values(statement):
        bound = bind(opt.key, opt.value)
        if bound == opt.value:
            continue
        out += [statement[pos : opt.start], quote_string(bound)]
        pos = opt.end
    return "".join(out) + statement[pos:] if out else statement


def bound_value(key: str, value: str, environ: Mapping[str, str]) -> str:
    """Option `key`'s value with its `${VAR}` references bound (JAAS-escaped in a JAAS config).
    Raises `KeyError` for an unset variable (callers check them first)."""
    if key == MAP_PARAMETERS:  # quoted inside a Flink map entry (`streamt.compile.udf`)
        return resolve(value, environ, lambda v: map_escape(v.replace('"', '""')))
    return resolve(value, environ, jaas.escape if jaas.is_jaas_key(key) else None)


MAP_PARAMETERS = "pipeline.global-job-parameters"


def map_escape(text: str) -> str:
    """`text` inside a single-quoted entry of a Flink map option (a quote doubled)."""
    return text.replace("'", "''")


def bound_config(config: Mapping[str, str], environ: Mapping[str, str]) -> dict[str, str]:
    return {k: bound_value(k, v, environ) for k, v in config.items()}


def bound_statements(statements: Iterable[str], environ: Mapping[str, str]) -> list[str]:
    """Each statement with the references in its option values bound, nothing else touched."""
    return [rebind_options(s, lambda k, v: bound_value(k, v, environ)) for s in statements]


START_TIMESTAMP = "scan.startup.timestamp-millis"
DEPLOY_TIME = "deploy-time"
"""A start timestamp relative to when apply submits the job (`deploy-time`, `deploy-time-60000`):
a continuous test judges records from the moment it is deployed, and its statements (and so
its fingerprint, and the plan) stay the same from one compile to the next."""


def at_deploy_time(offset_ms: int = 0) -> str:
    """The start option value `offset_ms` from the deployment (negative: before it)."""
    return DEPLOY_TIME if offset_ms == 0 else f"{DEPLOY_TIME}{offset_ms:+d}"


def bound_start(statements: Iterable[str], now_ms: int) -> list[str]:
    """Each statement with its `deploy-time[+-N]` start timestamps bound to `now_ms` (+-N),
    as epoch milliseconds (never before 0); any other option value untouched."""

    def bind(key: str, value: str) -> str:
        if key != START_TIMESTAMP or not value.startswith(DEPLOY_TIME):
            return value
        offset = value[len(DEPLOY_TIME) :]
        if offset and not (offset[0] in "+-" and offset[1:].isdigit()):
            return value
        return str(max(now_ms + int(offset or "0"), 0))

    return [rebind_options(s, bind) for s in statements]


def unset_variables(
    statements: Iterable[str], config: Mapping[str, str], environ: Mapping[str, str]
) -> list[str]:
    """The variables a job's option values reference that `environ` does not set (sorted)."""
    values = [o.value for s in statements for o in option_values(s)] + list(config.values())
    return sorted({name for v in values for name in missing_variables(v, environ)})


def _value(tokens: list[Token], i: int) -> OptionValue:
    tok = tokens[i]
    return OptionValue(tokens[i - 2].text, tok.text, tok.start, tok.end + 1)


def _value_indexes(tokens: list[Token]) -> list[int]:
    kinds = [t.token_type for t in tokens]
    if kinds[:1] == [TokenType.SET]:
        is_pair = kinds[1:] == [TokenType.STRING, TokenType.EQ, TokenType.STRING]
        return [3] if is_pair else []
    if kinds[:1] != [TokenType.CREATE] or TokenType.TABLE not in kinds[1:3]:
        return []
    opening = _with_clause(kinds)
    if opening is None:
        return []
    found: list[int] = []
    depth = 0
    for i in range(opening, len(kinds)):
        depth += {TokenType.L_PAREN: 1, TokenType.R_PAREN: -1}.get(kinds[i], 0)
        if depth == 0:
            break
        if (
            depth == 1
            and kinds[i - 1] in (TokenType.L_PAREN, TokenType.COMMA)
            and kinds[i : i + 3] == [TokenType.STRING, TokenType.EQ, TokenType.STRING]
        ):
            found.append(i + 2)
    return found


def _with_clause(kinds: list[TokenType]) -> int | None:
    """Index of the `(` opening the top-level WITH clause of a CREATE TABLE."""
    depth = 0
    for i, kind in enumerate(kinds):
        depth += {TokenType.L_PAREN: 1, TokenType.R_PAREN: -1}.get(kind, 0)
        if depth == 0 and kind is TokenType.WITH and kinds[i + 1 : i + 2] == [TokenType.L_PAREN]:
            return i + 1
    return None


def watermark_column(statement: str) -> str | None:
    """The column of `WATERMARK FOR <column>` in a CREATE TABLE statement, else None."""
    try:
        tokens = DIALECT.tokenize(statement)
    except TokenError:
        return None
    if not tokens or tokens[0].token_type is not TokenType.CREATE:
        return None
    for i in range(len(tokens) - 2):
        if tokens[i].text.upper() == "WATERMARK" and tokens[i + 1].token_type is TokenType.FOR:
            return tokens[i + 2].text
    return None


def topic_of(statement: str) -> str | None:
    """The `'topic'` option value of a CREATE TABLE statement, else None."""
    return next((o.value for o in option_values(statement) if o.key == "topic"), None)
