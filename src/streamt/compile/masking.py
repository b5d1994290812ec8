"""Column masking in Flink jobs (`security.policies: [{mask: {column, method}}]`).

A masked column is replaced in the job's output by an expression built with sqlglot builders:
hash / tokenize -> SHA256 of the text, redact -> '****' (NULL stays NULL), null -> NULL,
partial -> every character but the last four replaced by '*'. Masks apply to everyone who
reads the topic; role-specific exceptions (`for_roles`) need Conduktor Gateway. Pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from sqlglot import exp

from streamt.diagnostics import Diagnostic, Severity
from streamt.load.model import Model
from streamt.sql import Column, SqlType
from streamt.sql.ddl import Rewrite
from streamt.sql.generate import datatype_node
from streamt.sql.types import STRING


def _text(ref: exp.Expr) -> exp.Expr:
    return exp.Cast(this=ref, to=datatype_node(STRING))


def _keep_null(ref: exp.Expr, value: exp.Expr) -> exp.Expr:
    is_null = exp.Is(this=ref.copy(), expression=exp.Null())
    return exp.Case(
        ifs=[exp.If(this=is_null, true=exp.Cast(this=exp.Null(), to=datatype_node(STRING)))],
        default=value,
    )


def _hash(ref: exp.Expr) -> exp.Expr:
    return exp.Anonymous(this="SHA256", expressions=[_text(ref)])


def _redact(ref: exp.Expr) -> exp.Expr:
    return _keep_null(ref, exp.Literal.string("****"))


def _partial(ref: exp.Expr) -> exp.Expr:
    pattern, star = exp.Literal.string(".(?=.{4})"), exp.Literal.string("*")
    return exp.Anonymous(this="REGEXP_REPLACE", expressions=[_text(ref), pattern, star])


def _null(sql_type: SqlType) -> Rewrite:
    def build(ref: exp.Expr) -> exp.Expr:
        return exp.Cast(this=exp.Null(), to=datatype_node(sql_type.with_nullable(True)))

    return build


def masks(
    model: Model, nid: str, columns: Sequence[Column], diags: list[Diagnostic]
) -> tuple[dict[str, Rewrite], tuple[Column, ...]]:
    """Rewrites for the job's INSERT, and the output columns as the topic holds them."""
    by_name = {c.name: c for c in columns}
    rewrites: dict[str, Rewrite] = {}
    for i, policy in enumerate(model.security.policies):
        mask = policy.mask
        if mask is None:
            continue
        col = by_name.get(mask.column)
        where = model.where(f"security.policies.{i}.mask.column")
        if col is None:
            diags.append(
                Diagnostic(
                    "C005",
                    f"model '{model.name}': masked column '{mask.column}' is not an output column",
                    location=where,
                    hint=f"output columns: {', '.join(by_name)}",
                    node=nid,
                )
            )
            continue
        if mask.for_roles:
            diags.append(
                Diagnostic(
                    "C031",
                    f"model '{model.name}': '{mask.column}' is masked for every reader of the "
                    "topic; exceptions by role need Conduktor Gateway",
                    Severity.INFO,
                    where,
                    node=nid,
                )
            )
        if mask.method == "null":
            rewrites[col.name] = _null(col.type)
        else:
            rewrites[col.name] = {
                "hash": _hash,
                "tokenize": _hash,
                "redact": _redact,
                "partial": _partial,
            }[mask.method]
    out = tuple(
        c if c.name not in rewrites else replace(c.plain(), type=_masked_type(c, model))
        for c in columns
    )
    return rewrites, out


def _masked_type(col: Column, model: Model) -> SqlType:
    method = next(
        p.mask.method for p in model.security.policies if p.mask and p.mask.column == col.name
    )
    return col.type.with_nullable(True) if method == "null" else STRING.with_nullable(True)
