"""SQL as HTML: the Flink tokenizer's tokens wrapped in classed spans, every byte escaped.

Token text is escaped with markupsafe before it is wrapped, and the text between tokens (spaces,
comments) is escaped as is, so what a query contains is only ever shown, never interpreted.
Pure.
"""

from __future__ import annotations

from markupsafe import Markup, escape
from sqlglot.tokenizer_core import TokenType

from streamt.sql.dialect import FlinkTokenizer

_CLASSES = {
    TokenType.STRING: "s",
    TokenType.NUMBER: "n",
    TokenType.IDENTIFIER: "i",
    TokenType.VAR: "i",
}


def highlight_sql(sql: str) -> Markup:
    try:
        tokens = FlinkTokenizer().tokenize(sql)
    except Exception:  # not tokenizable (a Jinja template, a truncated script): shown plain
        return Markup(escape(sql))
    parts: list[str] = []
    at = 0
    for tok in tokens:
        start, end = tok.start, tok.end + 1
        if start < at or end > len(sql):
            continue
        parts.append(str(escape(sql[at:start])))
        cls = _CLASSES.get(tok.token_type, "k" if tok.text.isalpha() else "")
        text = str(escape(sql[start:end]))
        parts.append(f'<span class="{cls}">{text}</span>' if cls else text)
        at = end
    parts.append(str(escape(sql[at:])))
    return Markup("".join(parts))
