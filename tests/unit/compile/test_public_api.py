"""The public names other rooms code against (pinned)."""

from __future__ import annotations

import streamt.artifacts
import streamt.compile
import streamt.sql


def test_sql_api() -> None:
    assert sorted(streamt.sql.__all__) == sorted(
        [
            "Column",
            "QueryAnalysis",
            "SqlType",
            "TableDDL",
            "TableSchema",
            "TypeSyntaxError",
            "analyze_query",
            "create_table",
            "create_view",
            "insert_into",
            "parse",
            "parse_type",
            "quote_identifier",
            "quote_string",
            "render",
            "set_option",
        ]
    )


def test_compile_api() -> None:
    assert sorted(streamt.compile.__all__) == sorted(
        [
            "LOCK_FILE",
            "CompileResult",
            "CompiledNode",
            "SchemaLock",
            "compile_project",
            "dump_lock",
            "parse_lock",
        ]
    )


def test_artifacts_api() -> None:
    assert {"write_artifacts", "render_artifacts", "Manifest", "manifest_json_schema"} <= set(
        streamt.artifacts.__all__
    )
