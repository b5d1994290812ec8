"""Hand-written expectations for the SQL analysis, checked once against Apache Flink 2.2.

These tables are written by hand, not produced by streamt; `scripts/verify_flink_oracles.py` asks
the real planner (the local SQL Gateway, Flink 2.2) whether each entry holds:
- changelog: `EXPLAIN CHANGELOG_MODE` of the query; `[I]` is append-only, anything else updating;
- upsert key K: an INSERT into a sink with `PRIMARY KEY (K)` plans without a SinkUpsertMaterializer
  (some upsert key of the query lies inside K) and an INSERT into a sink keyed by K minus any one
  column plans with one (no smaller key does); `None` means Flink derives no key (the sink keyed
  by every non-time column still needs the materializer) or the query is append-only;
- column types: `DESCRIBE` of a view over the query (`*ROWTIME*` marks an event-time attribute);
- type names: `DESCRIBE` of a view over `CAST(NULL AS <type>)`.
Last verified on 2026-12-02 against the shared stack's SQL Gateway (Flink 2.2.0): every entry
held. Re-run the script after changing an entry; never copy streamt's own output into it.
"""

from __future__ import annotations

# The inputs, as Flink DDL (for the verification) and as streamt schemas (tests build them from
# the same column lists). `customers_cdc` is a changelog keyed by `cid` (upsert-kafka in Flink).
ORDERS_COLUMNS = (
    ("id", "STRING"),
    ("cid", "STRING"),
    ("amount", "DOUBLE"),
    ("qty", "INT"),
    ("price", "DECIMAL(10, 2)"),
    ("ts", "TIMESTAMP(3)"),
)
ORDERS_WATERMARK_MS = 5000
CUSTOMERS_COLUMNS = (("cid", "STRING"), ("name", "STRING"), ("uts", "TIMESTAMP(3)"))

# (query, updating, upsert key)
CHANGELOG_AND_KEYS: tuple[tuple[str, bool, tuple[str, ...] | None], ...] = (
    ("SELECT id, cid, amount FROM orders WHERE amount > 10", False, None),
    ("SELECT o.id, c.name FROM orders o JOIN customers c ON o.cid = c.cid", False, None),
    ("SELECT o.id, c.name FROM orders o LEFT JOIN customers c ON o.cid = c.cid", True, None),
    ("SELECT o.id, c.name FROM orders o RIGHT JOIN customers c ON o.cid = c.cid", True, None),
    ("SELECT o.id, c.name FROM orders o FULL JOIN customers c ON o.cid = c.cid", True, None),
    ("SELECT cid, SUM(amount) AS s FROM orders GROUP BY cid", True, ("cid",)),
    ("SELECT cid, qty, COUNT(*) AS n FROM orders GROUP BY cid, qty", True, ("cid", "qty")),
    ("SELECT SUM(amount) AS s FROM orders GROUP BY cid", True, None),
    ("SELECT DISTINCT cid FROM orders", True, ("cid",)),
    # deduplication keeping the first row over an append-only input: append-only
    (
        "SELECT id, amount, ts FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY id ORDER BY ts ASC) "
        "AS rn FROM orders) WHERE rn = 1",
        False,
        None,
    ),
    # ... keeping the last row: updating, keyed by the partition
    (
        "SELECT id, amount FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY id ORDER BY ts DESC) "
        "AS rn FROM orders) WHERE rn = 1",
        True,
        ("id",),
    ),
    # ... keeping the first row of a changelog input: updating (a rank over updates)
    (
        "SELECT cid, name FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY cid ORDER BY uts ASC) "
        "AS rn FROM customers_cdc) WHERE rn = 1",
        True,
        ("cid",),
    ),
    # Top-N: N rows per partition, so the rank number is part of the key
    (
        "SELECT cid, id, rn FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY cid ORDER BY amount "
        "DESC) AS rn FROM orders) WHERE rn <= 3",
        True,
        ("cid", "rn"),
    ),
    ("SELECT cid, UPPER(name) AS name FROM customers_cdc", True, ("cid",)),
    ("SELECT name FROM customers_cdc", True, None),
    (
        "SELECT window_start, window_end, cid, SUM(amount) AS s FROM TABLE(TUMBLE(TABLE orders, "
        "DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, cid",
        False,
        None,
    ),
    (
        "SELECT o.id, c.name, o.ts FROM orders AS o JOIN customers_cdc FOR SYSTEM_TIME AS OF o.ts "
        "AS c ON o.cid = c.cid",
        False,
        None,
    ),
    ("SELECT id FROM orders UNION ALL SELECT cid FROM customers", False, None),
    ("SELECT cid, name FROM customers_cdc UNION ALL SELECT cid, name FROM customers", True, None),
    # window Top-N, anti joins, set operations, grouping sets, HAVING, expression keys,
    # interval/window joins, window TVFs, legacy group windows, Top-1 variants
    (
        "SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER "
        "BY s DESC) AS rn FROM (SELECT window_start, window_end, cid, SUM(amount) AS s FROM "
        "TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, "
        "window_end, cid)) WHERE rn <= 3",
        False,
        None,
    ),
    (
        "SELECT id FROM orders WHERE cid NOT IN (SELECT cid FROM customers)",
        True,
        None,
    ),
    (
        "SELECT id FROM orders WHERE NOT EXISTS (SELECT * FROM customers c WHERE c.cid = "
        "orders.cid)",
        True,
        None,
    ),
    (
        "SELECT id FROM orders UNION SELECT cid FROM customers",
        True,
        ("id",),
    ),
    (
        "SELECT cid, qty, COUNT(*) AS n FROM orders GROUP BY GROUPING SETS ((cid, qty), (cid))",
        True,
        None,
    ),
    (
        "SELECT cid, qty, COUNT(*) AS n FROM orders GROUP BY ROLLUP (cid, qty)",
        True,
        None,
    ),
    (
        "SELECT cid, COUNT(*) AS n FROM orders GROUP BY cid HAVING COUNT(*) > 1",
        True,
        ("cid",),
    ),
    (
        "SELECT UPPER(cid) AS u, COUNT(*) AS n FROM orders GROUP BY UPPER(cid)",
        True,
        ("u",),
    ),
    (
        "SELECT o.id, p.id AS pid FROM orders o JOIN orders p ON o.id = p.cid AND o.ts BETWEEN "
        "p.ts - INTERVAL '1' MINUTE AND p.ts",
        False,
        None,
    ),
    (
        "SELECT DISTINCT cid, qty FROM orders",
        True,
        ("cid", "qty"),
    ),
    (
        "SELECT cid, name FROM customers_cdc WHERE name <> 'x'",
        True,
        ("cid",),
    ),
    (
        "SELECT cid, id FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY cid ORDER BY amount DESC)"
        " AS rn FROM orders) WHERE rn <= 3",
        True,
        None,
    ),
    (
        "SELECT cid, id, amount FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY cid ORDER BY "
        "amount DESC) AS rn FROM orders) WHERE rn = 1",
        True,
        ("cid",),
    ),
    (
        "SELECT cid, COUNT(*) AS n, MAX(ts) AS last_ts FROM orders GROUP BY cid",
        True,
        ("cid",),
    ),
    (
        "SELECT c.cid, c.name, COUNT(*) AS n FROM customers_cdc c JOIN orders o ON c.cid = o.cid "
        "GROUP BY c.cid, c.name",
        True,
        ("cid", "name"),
    ),
    (
        "SELECT a.window_start, a.window_end, a.cid, b.s FROM (SELECT window_start, window_end, "
        "cid, COUNT(*) AS n FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '1' MINUTE))"
        " GROUP BY window_start, window_end, cid) a JOIN (SELECT window_start, window_end, cid, "
        "SUM(amount) AS s FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) "
        "GROUP BY window_start, window_end, cid) b ON a.cid = b.cid AND a.window_start = "
        "b.window_start AND a.window_end = b.window_end",
        False,
        None,
    ),
    (
        "SELECT cid, SUM(amount) AS s FROM orders WHERE qty > 1 GROUP BY cid",
        True,
        ("cid",),
    ),
    (
        "SELECT x.cid, x.s FROM (SELECT cid, SUM(amount) AS s FROM orders GROUP BY cid) x WHERE "
        "x.s > 10",
        True,
        ("cid",),
    ),
    (
        "SELECT id, cid FROM orders INTERSECT SELECT cid, name FROM customers",
        True,
        ("id", "cid"),
    ),
    (
        "SELECT cid, COUNT(DISTINCT id) AS n FROM orders GROUP BY cid",
        True,
        ("cid",),
    ),
    (
        "SELECT window_start, window_end, COUNT(*) AS n FROM TABLE(HOP(TABLE orders, "
        "DESCRIPTOR(ts), INTERVAL '1' MINUTE, INTERVAL '5' MINUTE)) GROUP BY window_start, "
        "window_end",
        False,
        None,
    ),
    (
        "SELECT window_start, window_end, cid, COUNT(*) AS n FROM TABLE(CUMULATE(TABLE orders, "
        "DESCRIPTOR(ts), INTERVAL '1' MINUTE, INTERVAL '5' MINUTE)) GROUP BY window_start, "
        "window_end, cid",
        False,
        None,
    ),
    (
        "SELECT cid, window_start, window_end, COUNT(*) AS n FROM TABLE(SESSION(TABLE orders "
        "PARTITION BY cid, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY cid, window_start, "
        "window_end",
        False,
        None,
    ),
    (
        "SELECT cid, TUMBLE_START(ts, INTERVAL '1' MINUTE) AS ws, COUNT(*) AS n FROM orders GROUP"
        " BY cid, TUMBLE(ts, INTERVAL '1' MINUTE)",
        False,
        None,
    ),
    (
        "SELECT id, amount, ts FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY id ORDER BY ts "
        "ASC) AS rn FROM orders) WHERE rn <= 1",
        False,
        None,
    ),
    (
        "SELECT o.id, c.name FROM orders o LEFT JOIN customers_cdc c ON o.cid = c.cid",
        True,
        None,
    ),
)

# (select-list expression over `orders`, Flink's type as DESCRIBE prints it; `*ROWTIME*` marks
# an event-time attribute)
COLUMN_TYPES: tuple[tuple[str, str], ...] = (
    ("COUNT(*)", "BIGINT NOT NULL"),
    ("SUM(amount)", "DOUBLE"),
    ("SUM(qty)", "INT"),
    ("SUM(price)", "DECIMAL(38, 2)"),
    ("AVG(price)", "DECIMAL(38, 6)"),
    ("AVG(qty)", "INT"),
    ("AVG(amount)", "DOUBLE"),
    ("MIN(price)", "DECIMAL(10, 2)"),
    ("price * 2", "DECIMAL(21, 2)"),
    ("price * price", "DECIMAL(21, 4)"),
    ("price + price", "DECIMAL(11, 2)"),
    ("price / 3", "DECIMAL(21, 13)"),
    ("price / price", "DECIMAL(23, 13)"),
    ("price / CAST(qty AS DECIMAL(30, 10))", "DECIMAL(38, 20)"),
    ("qty * 2", "INT"),
    ("qty / 2", "INT"),
    ("amount / 2", "DOUBLE"),
    ("CAST(qty AS BIGINT)", "BIGINT"),
    ("CHAR_LENGTH(id)", "INT"),
    ("UPPER(id)", "STRING"),
    ("COALESCE(cid, 'none')", "STRING NOT NULL"),
    ("price + qty", "DECIMAL(13, 2)"),
    ("CAST(price AS DECIMAL(38, 10)) + price", "DECIMAL(38, 9)"),
    ("AVG(CAST(price AS DECIMAL(10, 6)))", "DECIMAL(38, 6)"),
    ("qty / CAST(2 AS BIGINT)", "BIGINT"),
    ("1.5", "DECIMAL(2, 1) NOT NULL"),
    ("1.5e0", "DOUBLE NOT NULL"),
    ("2147483647", "INT NOT NULL"),
    ("3000000000", "BIGINT NOT NULL"),
    ("'ab'", "CHAR(2) NOT NULL"),
    ("COALESCE(CAST(id AS VARCHAR(5)), CAST(cid AS VARCHAR(9)))", "VARCHAR(9)"),
    ("CASE WHEN qty > 1 THEN NULL ELSE qty END", "INT"),
    ("ts", "TIMESTAMP(3) *ROWTIME*"),
    ("ts + INTERVAL '1' MINUTE", "TIMESTAMP(3) *ROWTIME*"),
    # exact numerics meet in the most integer digits and the largest scale (integers count as
    # DECIMAL(3/5/10/19, 0)); past precision 38 the scale gives way; FLOAT and DECIMAL meet in
    # DOUBLE; timestamps in the finest precision
    ("COALESCE(qty, 1.5)", "DECIMAL(11, 1) NOT NULL"),
    ("COALESCE(price, 1)", "DECIMAL(12, 2) NOT NULL"),
    ("COALESCE(price, CAST(price AS DECIMAL(12, 4)))", "DECIMAL(12, 4)"),
    ("COALESCE(CAST(qty AS BIGINT), price)", "DECIMAL(21, 2)"),
    ("COALESCE(CAST(qty AS TINYINT), price)", "DECIMAL(10, 2)"),
    ("COALESCE(CAST(price AS DECIMAL(38, 2)), CAST(price AS DECIMAL(38, 10)))", "DECIMAL(38, 2)"),
    ("COALESCE(CAST(price AS DECIMAL(30, 2)), CAST(price AS DECIMAL(20, 15)))", "DECIMAL(38, 10)"),
    ("COALESCE(qty, CAST(qty AS BIGINT))", "BIGINT"),
    ("COALESCE(CAST(amount AS FLOAT), qty)", "FLOAT"),
    ("COALESCE(CAST(amount AS FLOAT), price)", "DOUBLE"),
    ("COALESCE(CAST(amount AS FLOAT), amount)", "DOUBLE"),
    ("COALESCE(ts, CAST(ts AS TIMESTAMP(6)))", "TIMESTAMP(6)"),
    ("COALESCE(CAST(ts AS TIMESTAMP(0)), ts)", "TIMESTAMP(3)"),
    ("CASE WHEN qty > 1 THEN price ELSE qty END", "DECIMAL(12, 2)"),
    ("CASE WHEN qty > 1 THEN 2.5 ELSE 100 END", "DECIMAL(11, 1) NOT NULL"),
    ("CASE WHEN qty > 1 THEN 'a' ELSE 'bcd' END", "VARCHAR(3) NOT NULL"),
    ("GREATEST(price, CAST(price AS DECIMAL(5, 4)))", "DECIMAL(12, 4)"),
    ("LEAST(price, 1)", "DECIMAL(12, 2)"),
    ("NULLIF(price, qty)", "DECIMAL(10, 2)"),
    ("ARRAY[qty, price]", "ARRAY<DECIMAL(12, 2)> NOT NULL"),
    ("ARRAY[qty, 1]", "ARRAY<INT> NOT NULL"),
    # arithmetic and literals
    ("CAST(qty AS DECIMAL(2, 0)) / CAST(qty AS DECIMAL(2, 0))", "DECIMAL(8, 6)"),
    ("CAST(price AS DECIMAL(38, 0)) * CAST(price AS DECIMAL(38, 10))", "DECIMAL(38, 6)"),
    ("CAST(price AS DECIMAL(38, 37)) / 3", "DECIMAL(38, 37)"),
    ("CAST(price AS DECIMAL(20, 10)) * CAST(price AS DECIMAL(20, 10))", "DECIMAL(38, 17)"),
    ("CAST(price AS DECIMAL(38, 20)) - CAST(price AS DECIMAL(38, 2))", "DECIMAL(38, 6)"),
    ("1.0 / 3", "DECIMAL(13, 12) NOT NULL"),
    ("qty / 2.0", "DECIMAL(17, 6)"),
    ("price * qty", "DECIMAL(21, 2)"),
    ("price - 1.5", "DECIMAL(11, 2)"),
    ("amount + price", "DOUBLE"),
    ("CAST(qty AS SMALLINT) + CAST(qty AS TINYINT)", "SMALLINT"),
    ("CAST(qty AS TINYINT) * 2", "INT"),
    ("2147483648", "BIGINT NOT NULL"),
    ("-2147483648", "INT NOT NULL"),
    ("-9223372036854775808", "BIGINT NOT NULL"),
    ("-1.5", "DECIMAL(2, 1) NOT NULL"),
    ("-price", "DECIMAL(10, 2)"),
    # functions with their own rules
    ("ROUND(price)", "DECIMAL(9, 0)"),
    ("ROUND(price, 1)", "DECIMAL(10, 1)"),
    ("ROUND(amount, 1)", "DOUBLE"),
    ("ROUND(qty)", "INT"),
    ("TRUNCATE(price, 1)", "DECIMAL(10, 1)"),
    ("FLOOR(price)", "DECIMAL(10, 0)"),
    ("CEIL(price)", "DECIMAL(10, 0)"),
    ("FLOOR(amount)", "DOUBLE"),
    ("SIGN(price)", "DECIMAL(10, 2)"),
    ("IF(qty > 1, 1, 2)", "INT"),
    ("IF(qty > 1, 'a', 'bcd')", "VARCHAR(3)"),
    ("MAP_FROM_ARRAYS(ARRAY[id], ARRAY[qty])", "MAP<STRING, INT> NOT NULL"),
    ("ELEMENT(ARRAY[qty])", "INT"),
    ("CARDINALITY(ARRAY[qty])", "INT NOT NULL"),
    ("TIMESTAMPDIFF(SECOND, ts, ts)", "INT"),
    ("TIMESTAMPADD(HOUR, 1, ts)", "TIMESTAMP(3)"),
    ("EXTRACT(YEAR FROM ts)", "BIGINT"),
    ("CURRENT_TIMESTAMP", "TIMESTAMP_LTZ(3) NOT NULL"),
    ("LOCALTIMESTAMP", "TIMESTAMP(3) NOT NULL"),
    ("TO_TIMESTAMP_LTZ(1000, 3)", "TIMESTAMP_LTZ(3)"),
    ("JSON_VALUE(id, '$.a' RETURNING INT)", "INT"),
    ("JSON_OBJECT('a' VALUE qty)", "STRING NOT NULL"),
    ("POSITION('a' IN id)", "INT"),
    ("LOCATE('a', id, 2)", "INT"),
    # LAG / LEAD: the value's type, NULL when there is no such row unless a default is given
    ("LAG(qty) OVER (PARTITION BY cid ORDER BY ts)", "INT"),
    ("LAG(qty, 1, 0) OVER (PARTITION BY cid ORDER BY ts)", "INT NOT NULL"),
    ("LEAD(amount, 2, qty) OVER (PARTITION BY cid ORDER BY ts)", "DOUBLE"),
    ("MD5(id)", "CHAR(32)"),
    ("UUID()", "CHAR(36) NOT NULL"),
    # predicates: NULL when an operand is, except IS ..., IS [NOT] DISTINCT FROM and EXISTS
    ("id IS NULL", "BOOLEAN NOT NULL"),
    ("NOT (id IS NULL)", "BOOLEAN NOT NULL"),
    ("id IS DISTINCT FROM cid", "BOOLEAN NOT NULL"),
    ("id IS NOT DISTINCT FROM cid", "BOOLEAN NOT NULL"),
    ("NOT (id IS DISTINCT FROM cid)", "BOOLEAN NOT NULL"),
    ("EXISTS (SELECT 1)", "BOOLEAN NOT NULL"),
    ("NOT EXISTS (SELECT 1)", "BOOLEAN NOT NULL"),
    ("id IN ('a', 'b')", "BOOLEAN"),
    ("qty > 1 AND qty < 3", "BOOLEAN"),
    ("NOT (qty > 1)", "BOOLEAN"),
    ("id LIKE 'a%'", "BOOLEAN"),
    ("qty BETWEEN 1 AND 3", "BOOLEAN"),
    ("ARRAY_CONTAINS(ARRAY[qty], 1)", "BOOLEAN NOT NULL"),
    ("REGEXP(id, 'a.*')", "BOOLEAN"),
    ("qty % 2", "INT"),
    ("qty / amount", "DOUBLE"),
    # aggregates (a global aggregate: SELECT agg AS x FROM orders)
    ("STDDEV_POP(qty)", "INT"),
    ("VAR_SAMP(price)", "DECIMAL(38, 6)"),
    ("SUM(CAST(qty AS TINYINT))", "TINYINT"),
    ("AVG(CAST(price AS DECIMAL(38, 20)))", "DECIMAL(38, 20)"),
    ("COLLECT(id)", "MULTISET<STRING> NOT NULL"),
)

# (a type as a user writes it, the type Flink makes of it: DESCRIBE of CAST(NULL AS <type>))
TYPE_NAMES: tuple[tuple[str, str], ...] = (
    ("DECIMAL", "DECIMAL(10, 0)"),
    ("DEC(5, 2)", "DECIMAL(5, 2)"),
    ("TIMESTAMP", "TIMESTAMP(6)"),
    ("TIMESTAMP(9)", "TIMESTAMP(9)"),
    ("TIMESTAMP_LTZ", "TIMESTAMP_LTZ(6)"),
    ("TIMESTAMP WITH LOCAL TIME ZONE", "TIMESTAMP_LTZ(6)"),
    ("TIMESTAMP(3) WITH LOCAL TIME ZONE", "TIMESTAMP_LTZ(3)"),
    ("DOUBLE PRECISION", "DOUBLE"),
    ("INTEGER", "INT"),
    ("VARBINARY", "BYTES"),
    ("BINARY(3)", "BINARY(3)"),
    ("MULTISET<INT>", "MULTISET<INT>"),
    ("ARRAY<INT NOT NULL>", "ARRAY<INT NOT NULL>"),
    ("MAP<STRING, ARRAY<INT>>", "MAP<STRING, ARRAY<INT>>"),
    ("ROW<a INT, b STRING>", "ROW<`a` INT, `b` STRING>"),
    ("ROW(a INT, b STRING)", "ROW<`a` INT, `b` STRING>"),
)
