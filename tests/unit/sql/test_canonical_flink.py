"""The canonical query text streamt deploys, for Flink syntax sqlglot would spell its own way.
Every canonical text below was accepted by the Flink 2.2 planner (a view over it, created in a
session of the local SQL Gateway with the inputs of `flink_oracle.py`)."""

from __future__ import annotations

import pytest

from streamt.sql import analyze_query
from tests.unit.sql.test_flink_oracle import INPUTS


@pytest.mark.parametrize(
    ("sql", "canonical"),
    [
        (
            "SELECT TRIM(BOTH 'x' FROM id) AS t FROM orders",
            "SELECT TRIM(BOTH 'x' FROM `id`) AS `t` FROM `orders`",
        ),
        (
            "SELECT TRIM('x' FROM id) AS t FROM orders",
            "SELECT TRIM(BOTH 'x' FROM `id`) AS `t` FROM `orders`",
        ),
        (
            "SELECT UPPER(TRIM(BOTH 'x' FROM TRIM(BOTH 'y' FROM id))) AS t FROM orders",
            "SELECT UPPER(TRIM(BOTH 'x' FROM TRIM(BOTH 'y' FROM `id`))) AS `t` FROM `orders`",
        ),
        (
            "SELECT TRIM(LEADING 'x' FROM id) AS t FROM orders",
            "SELECT LTRIM(`id`, 'x') AS `t` FROM `orders`",
        ),
        (
            "SELECT TRIM(TRAILING FROM id) AS t FROM orders",
            "SELECT RTRIM(`id`) AS `t` FROM `orders`",
        ),
        ("SELECT TRIM(BOTH FROM id) AS t FROM orders", "SELECT TRIM(`id`) AS `t` FROM `orders`"),
        (
            "SELECT POSITION('a' IN id) AS p FROM orders",
            "SELECT POSITION('a' IN `id`) AS `p` FROM `orders`",
        ),
        (
            "SELECT LOCATE('a', id, 2) AS p FROM orders",
            "SELECT LOCATE('a', `id`, 2) AS `p` FROM `orders`",
        ),
        (
            "SELECT SUBSTRING(id FROM 2 FOR 3) AS s FROM orders",
            "SELECT SUBSTRING(`id`, 2, 3) AS `s` FROM `orders`",
        ),
        (
            "SELECT OVERLAY(id PLACING 'x' FROM 2 FOR 1) AS o FROM orders",
            "SELECT OVERLAY(`id` PLACING 'x' FROM 2 FOR 1) AS `o` FROM `orders`",
        ),
        (
            "SELECT cid, window_start, window_end, COUNT(*) AS n FROM TABLE(SESSION(TABLE orders "
            "PARTITION BY cid, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY cid, window_start, "
            "window_end",
            "SELECT `cid`, `window_start`, `window_end`, COUNT(*) AS `n` FROM TABLE(SESSION(TABLE "
            "`orders` PARTITION BY (`cid`), DESCRIPTOR(`ts`), INTERVAL '1' MINUTE)) GROUP BY "
            "`cid`, `window_start`, `window_end`",
        ),
        (
            "SELECT window_start, COUNT(*) AS n FROM TABLE(SESSION(TABLE orders PARTITION BY "
            "(cid, id), DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end",
            "SELECT `window_start`, COUNT(*) AS `n` FROM TABLE(SESSION(TABLE `orders` PARTITION "
            "BY (`cid`, `id`), DESCRIPTOR(`ts`), INTERVAL '1' MINUTE)) GROUP BY `window_start`, "
            "`window_end`",
        ),
        (
            "SELECT window_start, COUNT(*) AS n FROM TABLE(TUMBLE(DATA => TABLE orders, "
            "TIMECOL => DESCRIPTOR(ts), SIZE => INTERVAL '1' MINUTE)) GROUP BY window_start, "
            "window_end",
            "SELECT `window_start`, COUNT(*) AS `n` FROM TABLE(TUMBLE(`DATA` => TABLE `orders`, "
            "`TIMECOL` => DESCRIPTOR(`ts`), `SIZE` => INTERVAL '1' MINUTE)) GROUP BY "
            "`window_start`, `window_end`",
        ),
        (
            "SELECT JSON_VALUE(id, '$.a' RETURNING DOUBLE NULL ON EMPTY ERROR ON ERROR) AS v "
            "FROM orders",
            "SELECT JSON_VALUE(`id`, '$.a' RETURNING DOUBLE NULL ON EMPTY ERROR ON ERROR) AS `v` "
            "FROM `orders`",
        ),
        (
            "SELECT JSON_QUERY(id, '$.a' WITH CONDITIONAL ARRAY WRAPPER) AS v FROM orders",
            "SELECT JSON_QUERY(`id`, '$.a' WITH CONDITIONAL ARRAY WRAPPER) AS `v` FROM `orders`",
        ),
        (
            "SELECT JSON_OBJECT(KEY 'a' VALUE qty ABSENT ON NULL) AS v FROM orders",
            "SELECT JSON_OBJECT(KEY 'a' VALUE `qty` ABSENT ON NULL) AS `v` FROM `orders`",
        ),
        (
            "SELECT JSON_OBJECTAGG(KEY id VALUE qty) AS v FROM orders GROUP BY cid",
            "SELECT JSON_OBJECTAGG(KEY `id` VALUE `qty`) AS `v` FROM `orders` GROUP BY `cid`",
        ),
        (
            "SELECT ts + INTERVAL '1 02:03' DAY TO MINUTE AS t FROM orders",
            "SELECT `ts` + INTERVAL '1 02:03' DAY TO MINUTE AS `t` FROM `orders`",
        ),
        # an interval value with more digits than the default leading precision (2) states it
        (
            "SELECT ts + INTERVAL '100' MINUTE AS t, ts + INTERVAL '90' SECOND AS u FROM orders",
            "SELECT `ts` + INTERVAL '100' MINUTE(3) AS `t`, `ts` + INTERVAL '90' SECOND AS `u` "
            "FROM `orders`",
        ),
        (
            "SELECT ts + INTERVAL '1000' DAY AS t, ts + INTERVAL '100.5' SECOND AS u FROM orders",
            "SELECT `ts` + INTERVAL '1000' DAY(4) AS `t`, `ts` + INTERVAL '100.5' SECOND(3) AS "
            "`u` FROM `orders`",
        ),
        (
            "SELECT window_start, COUNT(*) AS n FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), "
            "INTERVAL '120' MINUTE)) GROUP BY window_start, window_end",
            "SELECT `window_start`, COUNT(*) AS `n` FROM TABLE(TUMBLE(TABLE `orders`, "
            "DESCRIPTOR(`ts`), INTERVAL '120' MINUTE(3))) GROUP BY `window_start`, `window_end`",
        ),
        (
            "SELECT JSON_OBJECT(KEY 'a' VALUE qty NULL ON NULL) AS v FROM orders",
            "SELECT JSON_OBJECT(KEY 'a' VALUE `qty` NULL ON NULL) AS `v` FROM `orders`",
        ),
        (
            "SELECT CURRENT_DATE AS d, LOCALTIME AS lt FROM orders",
            "SELECT CURRENT_DATE AS `d`, LOCALTIME AS `lt` FROM `orders`",
        ),
        (
            "SELECT id FROM orders WHERE id LIKE 'a!%' ESCAPE '!' AND cid SIMILAR TO 'b.*'",
            "SELECT `id` FROM `orders` WHERE `id` LIKE 'a!%' ESCAPE '!' AND `cid` SIMILAR TO 'b.*'",
        ),
        (
            "SELECT `id` AS `select`, `qty` AS `from` FROM orders",
            "SELECT `id` AS `select`, `qty` AS `from` FROM `orders`",
        ),
    ],
)
def test_the_canonical_text_is_flinks_spelling(sql: str, canonical: str) -> None:
    result = analyze_query(sql, INPUTS)
    assert result.ok, [d.render() for d in result.diagnostics]
    assert result.canonical == canonical
