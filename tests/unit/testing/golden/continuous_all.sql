CREATE TABLE `src` (
  `order_id` STRING,
  `customer_id` STRING,
  `amount` STRING,
  `status` STRING,
  `ts` STRING,
  `__kafka_ts` TIMESTAMP_LTZ(3) METADATA FROM 'timestamp' VIRTUAL,
  `__proc` AS PROCTIME(),
  WATERMARK FOR `__kafka_ts` AS `__kafka_ts` - INTERVAL '1' SECOND
)
WITH (
  'connector'='kafka',
  'topic'='orders.clean',
  'properties.bootstrap.servers'='localhost:9092',
  'properties.group.id'='streamt-test.shop.all',
  'scan.startup.mode'='timestamp',
  'scan.startup.timestamp-millis'='1700000000000',
  'format'='json',
  'json.ignore-parse-errors'='true'
);

CREATE TEMPORARY VIEW `typed` AS
SELECT
  `order_id`,
  `customer_id`,
  TRY_CAST(`amount` AS DOUBLE) AS `amount`,
  `status`,
  TRY_CAST(`ts` AS TIMESTAMP(3)) AS `ts`,
  `order_id` AS `__raw__order_id`,
  `customer_id` AS `__raw__customer_id`,
  `amount` AS `__raw__amount`,
  `status` AS `__raw__status`,
  `ts` AS `__raw__ts`,
  `__kafka_ts`,
  `__proc`
FROM `src`;

CREATE TABLE `violations` (
  `project` STRING,
  `test` STRING,
  `target` STRING,
  `assertion` STRING,
  `detail` STRING,
  `row` STRING,
  `detected_at` STRING
)
WITH (
  'connector'='kafka',
  'topic'='_streamt_violations',
  'properties.bootstrap.servers'='localhost:9092',
  'format'='json',
  'sink.delivery-guarantee'='at-least-once'
);

CREATE TABLE `ref_customers` (
  `id` STRING,
  `__kafka_ts` TIMESTAMP_LTZ(3) METADATA FROM 'timestamp' VIRTUAL,
  `__proc` AS PROCTIME(),
  WATERMARK FOR `__kafka_ts` AS `__kafka_ts` - INTERVAL '1' SECOND
)
WITH (
  'connector'='kafka',
  'topic'='customers.raw',
  'properties.bootstrap.servers'='localhost:9092',
  'properties.group.id'='streamt-test.shop.all',
  'scan.startup.mode'='timestamp',
  'scan.startup.timestamp-millis'='1699999995000',
  'format'='json',
  'json.ignore-parse-errors'='true'
);

CREATE TEMPORARY VIEW `fk_8` AS
SELECT
  `l`.`__kafka_ts` AS `__kafka_ts`,
  CASE WHEN `r`.`id` IS NULL THEN 0 ELSE 1 END AS `m`
FROM `src` AS `l`
LEFT JOIN `ref_customers` AS `r`
  ON `l`.`customer_id` = `r`.`id`
  AND `r`.`__kafka_ts` BETWEEN `l`.`__kafka_ts` - INTERVAL '0 00:00:05.000' DAY TO SECOND(3) AND `l`.`__kafka_ts` + INTERVAL '0 00:00:05.000' DAY TO SECOND(3);

CREATE TABLE `heartbeat` (
  `beat` INT,
  `__proc` AS PROCTIME()
)
WITH (
  'connector'='datagen',
  'rows-per-second'='1',
  'fields.beat.kind'='random'
);

CREATE TEMPORARY VIEW `beats` AS
SELECT
  1 AS `n`,
  `__proc`
FROM `src`
UNION ALL
SELECT
  0 AS `n`,
  `__proc`
FROM `heartbeat`;

CREATE TABLE `dlq` (
  `order_id` STRING,
  `customer_id` STRING,
  `amount` DOUBLE,
  `status` STRING,
  `ts` TIMESTAMP(3),
  `headers` MAP<STRING, BYTES> METADATA
)
WITH (
  'connector'='kafka',
  'topic'='orders.dlq',
  'properties.bootstrap.servers'='localhost:9092',
  'format'='json'
);

EXECUTE STATEMENT SET BEGIN
INSERT INTO `violations`
SELECT
  'shop',
  'all',
  'orders_clean',
  'not_null[0]',
  'null in order_id',
  JSON_OBJECT(KEY 'order_id' VALUE `__raw__order_id`, KEY 'customer_id' VALUE `__raw__customer_id`, KEY 'amount' VALUE `__raw__amount`, KEY 'status' VALUE `__raw__status`, KEY 'ts' VALUE `__raw__ts` NULL ON NULL),
  CAST(CURRENT_TIMESTAMP AS STRING)
FROM `typed`
WHERE
  `__raw__order_id` IS NULL
UNION ALL
SELECT
  'shop',
  'all',
  'orders_clean',
  'accepted_values[1]',
  'status not in [''NEW'', "it''s"]',
  JSON_OBJECT(KEY 'order_id' VALUE `__raw__order_id`, KEY 'customer_id' VALUE `__raw__customer_id`, KEY 'amount' VALUE `__raw__amount`, KEY 'status' VALUE `__raw__status`, KEY 'ts' VALUE `__raw__ts` NULL ON NULL),
  CAST(CURRENT_TIMESTAMP AS STRING)
FROM `typed`
WHERE
  (
    NOT `__raw__status` IS NULL AND NOT `__raw__status` IN ('NEW', 'it''s')
  )
UNION ALL
SELECT
  'shop',
  'all',
  'orders_clean',
  'range[2]',
  'amount outside [0.0, 1000.0]',
  JSON_OBJECT(KEY 'order_id' VALUE `__raw__order_id`, KEY 'customer_id' VALUE `__raw__customer_id`, KEY 'amount' VALUE `__raw__amount`, KEY 'status' VALUE `__raw__status`, KEY 'ts' VALUE `__raw__ts` NULL ON NULL),
  CAST(CURRENT_TIMESTAMP AS STRING)
FROM `typed`
WHERE
  (
    TRY_CAST(`__raw__amount` AS DOUBLE) < CAST(0.0 AS DOUBLE)
    OR TRY_CAST(`__raw__amount` AS DOUBLE) > CAST(1000.0 AS DOUBLE)
    OR (
      NOT `__raw__amount` IS NULL AND TRY_CAST(`__raw__amount` AS DOUBLE) IS NULL
    )
  )
UNION ALL
SELECT
  'shop',
  'all',
  'orders_clean',
  'accepted_types[3]',
  'type: amount number',
  JSON_OBJECT(KEY 'order_id' VALUE `__raw__order_id`, KEY 'customer_id' VALUE `__raw__customer_id`, KEY 'amount' VALUE `__raw__amount`, KEY 'status' VALUE `__raw__status`, KEY 'ts' VALUE `__raw__ts` NULL ON NULL),
  CAST(CURRENT_TIMESTAMP AS STRING)
FROM `typed`
WHERE
  (
    (
      NOT `__raw__amount` IS NULL AND TRY_CAST(`__raw__amount` AS DOUBLE) IS NULL
    )
  )
UNION ALL
SELECT
  'shop',
  'all',
  'orders_clean',
  'custom_sql:big',
  'matches amount > 500 AND CHAR_LENGTH(status) > 2',
  JSON_OBJECT(KEY 'order_id' VALUE `__raw__order_id`, KEY 'customer_id' VALUE `__raw__customer_id`, KEY 'amount' VALUE `__raw__amount`, KEY 'status' VALUE `__raw__status`, KEY 'ts' VALUE `__raw__ts` NULL ON NULL),
  CAST(CURRENT_TIMESTAMP AS STRING)
FROM `typed`
WHERE
  (
    `amount` > 500 AND CHAR_LENGTH(`status`) > 2
  )
UNION ALL
SELECT
  'shop',
  'all',
  'orders_clean',
  'unique_key[5]',
  'duplicate order_id',
  JSON_OBJECT(KEY 'order_id' VALUE `order_id`, KEY 'customer_id' VALUE `customer_id`, KEY 'amount' VALUE `amount`, KEY 'status' VALUE `status`, KEY 'ts' VALUE `ts` NULL ON NULL),
  CAST(CURRENT_TIMESTAMP AS STRING)
FROM (
  SELECT
    *,
    COUNT(*) OVER (
      PARTITION BY `order_id`
      ORDER BY `__proc`
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS `__seen`
  FROM `src`
)
WHERE
  `__seen` > 1
UNION ALL
SELECT
  'shop',
  'all',
  'orders_clean',
  'unique_key[6]',
  'duplicate order_id rate above 10.00% per 1m',
  JSON_OBJECT(KEY 'window_start' VALUE CAST(`window_start` AS STRING), KEY 'window_end' VALUE CAST(`window_end` AS STRING), KEY 'records' VALUE CAST(`total` AS STRING), KEY 'duplicates' VALUE CAST(`total` - `uniq` AS STRING)),
  CAST(CURRENT_TIMESTAMP AS STRING)
FROM (
  SELECT
    `window_start`,
    `window_end`,
    COUNT(*) AS `total`,
    COUNT(DISTINCT CONCAT_WS('|', COALESCE(`order_id`, '<null>'))) AS `uniq`
  FROM TABLE(
    TUMBLE(TABLE `src`, DESCRIPTOR(`__proc`), INTERVAL '0 00:01:00.000' DAY TO SECOND(3))
  )
  GROUP BY
    `window_start`,
    `window_end`
)
WHERE
  CAST(`total` - `uniq` AS DOUBLE) / CAST(`total` AS DOUBLE) > CAST(0.1 AS DOUBLE)
UNION ALL
SELECT
  'shop',
  'all',
  'orders_clean',
  'foreign_key[7]',
  'customer_id has no match in customers.id within 5s',
  JSON_OBJECT(KEY 'order_id' VALUE `l`.`order_id`, KEY 'customer_id' VALUE `l`.`customer_id`, KEY 'amount' VALUE `l`.`amount`, KEY 'status' VALUE `l`.`status`, KEY 'ts' VALUE `l`.`ts` NULL ON NULL),
  CAST(CURRENT_TIMESTAMP AS STRING)
FROM `src` AS `l`
LEFT JOIN `ref_customers` AS `r`
  ON `l`.`customer_id` = `r`.`id`
  AND `r`.`__kafka_ts` BETWEEN `l`.`__kafka_ts` - INTERVAL '0 00:00:05.000' DAY TO SECOND(3) AND `l`.`__kafka_ts` + INTERVAL '0 00:00:05.000' DAY TO SECOND(3)
WHERE
  `r`.`id` IS NULL AND NOT `l`.`customer_id` IS NULL
UNION ALL
SELECT
  'shop',
  'all',
  'orders_clean',
  'foreign_key[8]',
  'match rate of customer_id in customers.id below 90.00%',
  JSON_OBJECT(KEY 'window_start' VALUE CAST(`window_start` AS STRING), KEY 'window_end' VALUE CAST(`window_end` AS STRING), KEY 'records' VALUE CAST(`total` AS STRING), KEY 'matched' VALUE CAST(`hits` AS STRING)),
  CAST(CURRENT_TIMESTAMP AS STRING)
FROM (
  SELECT
    `window_start`,
    `window_end`,
    COUNT(*) AS `total`,
    SUM(`m`) AS `hits`
  FROM TABLE(
    TUMBLE(TABLE `fk_8`, DESCRIPTOR(`__kafka_ts`), INTERVAL '0 00:00:05.000' DAY TO SECOND(3))
  )
  GROUP BY
    `window_start`,
    `window_end`
)
WHERE
  CAST(`hits` AS DOUBLE) / CAST(`total` AS DOUBLE) < CAST(0.9 AS DOUBLE)
UNION ALL
SELECT
  'shop',
  'all',
  'orders_clean',
  'distribution[9]',
  'distribution of amount off per 1m',
  JSON_OBJECT(KEY 'window_start' VALUE CAST(`window_start` AS STRING), KEY 'window_end' VALUE CAST(`window_end` AS STRING), KEY 'values' VALUE CAST(`total` AS STRING), KEY '[-inf, 100)' VALUE CAST(CAST(`b0` AS DOUBLE) / CAST(`total` AS DOUBLE) AS STRING)),
  CAST(CURRENT_TIMESTAMP AS STRING)
FROM (
  SELECT
    `window_start`,
    `window_end`,
    COUNT(TRY_CAST(`amount` AS DOUBLE)) AS `total`,
    SUM(
      CASE
        WHEN NOT TRY_CAST(`amount` AS DOUBLE) IS NULL
        AND TRY_CAST(`amount` AS DOUBLE) < CAST(100.0 AS DOUBLE)
        THEN 1
        ELSE 0
      END
    ) AS `b0`
  FROM TABLE(
    TUMBLE(TABLE `src`, DESCRIPTOR(`__proc`), INTERVAL '0 00:01:00.000' DAY TO SECOND(3))
  )
  GROUP BY
    `window_start`,
    `window_end`
)
WHERE
  `total` > 0
  AND (
    ABS(CAST(`b0` AS DOUBLE) / CAST(`total` AS DOUBLE) - CAST(0.8 AS DOUBLE)) > CAST(0.1 AS DOUBLE)
  )
UNION ALL
SELECT
  'shop',
  'all',
  'orders_clean',
  'max_lag[10]',
  'ts lags processing time by more than 30500ms',
  JSON_OBJECT(KEY 'order_id' VALUE `__raw__order_id`, KEY 'customer_id' VALUE `__raw__customer_id`, KEY 'amount' VALUE `__raw__amount`, KEY 'status' VALUE `__raw__status`, KEY 'ts' VALUE `__raw__ts` NULL ON NULL),
  CAST(CURRENT_TIMESTAMP AS STRING)
FROM `typed`
WHERE
  TRY_CAST(`__raw__ts` AS TIMESTAMP(3)) < CAST(`__kafka_ts` AS TIMESTAMP(3)) - INTERVAL '0 00:00:30.500' DAY TO SECOND(3)
UNION ALL
SELECT
  'shop',
  'all',
  'orders_clean',
  'throughput[11]',
  'throughput outside [1.0, 100.0]/s per 10s',
  JSON_OBJECT(KEY 'window_start' VALUE CAST(`window_start` AS STRING), KEY 'window_end' VALUE CAST(`window_end` AS STRING), KEY 'records' VALUE CAST(`cnt` AS STRING)),
  CAST(CURRENT_TIMESTAMP AS STRING)
FROM (
  SELECT
    `window_start`,
    `window_end`,
    SUM(`n`) AS `cnt`
  FROM TABLE(
    TUMBLE(TABLE `beats`, DESCRIPTOR(`__proc`), INTERVAL '0 00:00:10.000' DAY TO SECOND(3))
  )
  GROUP BY
    `window_start`,
    `window_end`
)
WHERE
  CAST(`cnt` AS DOUBLE) / CAST(10.0 AS DOUBLE) < CAST(1.0 AS DOUBLE)
  OR CAST(`cnt` AS DOUBLE) / CAST(10.0 AS DOUBLE) > CAST(100.0 AS DOUBLE)
UNION ALL
SELECT
  'shop',
  'all',
  'orders_clean',
  'freshness[12]',
  'no record for 1m',
  JSON_OBJECT(KEY 'window_start' VALUE CAST(`window_start` AS STRING), KEY 'window_end' VALUE CAST(`window_end` AS STRING), KEY 'records' VALUE CAST(`cnt` AS STRING)),
  CAST(CURRENT_TIMESTAMP AS STRING)
FROM (
  SELECT
    `window_start`,
    `window_end`,
    SUM(`n`) AS `cnt`
  FROM TABLE(
    TUMBLE(TABLE `beats`, DESCRIPTOR(`__proc`), INTERVAL '0 00:01:00.000' DAY TO SECOND(3))
  )
  GROUP BY
    `window_start`,
    `window_end`
)
WHERE
  `cnt` = 0
UNION ALL
SELECT
  'shop',
  'all',
  'orders_clean',
  'max_lag[13]',
  'ts lags more than 30s in a 10s window',
  JSON_OBJECT(KEY 'window_start' VALUE CAST(`window_start` AS STRING), KEY 'window_end' VALUE CAST(`window_end` AS STRING), KEY 'records' VALUE CAST(`total` AS STRING), KEY 'max_lag_seconds' VALUE CAST(`max_lag_s` AS STRING)),
  CAST(CURRENT_TIMESTAMP AS STRING)
FROM (
  SELECT
    `window_start`,
    `window_end`,
    MAX(
      TIMESTAMPDIFF(SECOND, TRY_CAST(`ts` AS TIMESTAMP(3)), CAST(`__kafka_ts` AS TIMESTAMP(3)))
    ) AS `max_lag_s`,
    COUNT(*) AS `total`
  FROM TABLE(
    TUMBLE(TABLE `src`, DESCRIPTOR(`__proc`), INTERVAL '0 00:00:10.000' DAY TO SECOND(3))
  )
  GROUP BY
    `window_start`,
    `window_end`
)
WHERE
  CAST(`max_lag_s` AS DOUBLE) > CAST(30.0 AS DOUBLE);
INSERT INTO `dlq`
SELECT
  `order_id`,
  `customer_id`,
  `amount`,
  `status`,
  `ts`,
  MAP['streamt-test', CAST('all' AS BYTES), 'streamt-reason', CAST(CASE
    WHEN `__raw__order_id` IS NULL
    THEN 'not_null[0]'
    WHEN (
      NOT `__raw__status` IS NULL AND NOT `__raw__status` IN ('NEW', 'it''s')
    )
    THEN 'accepted_values[1]'
    WHEN (
      TRY_CAST(`__raw__amount` AS DOUBLE) < CAST(0.0 AS DOUBLE)
      OR TRY_CAST(`__raw__amount` AS DOUBLE) > CAST(1000.0 AS DOUBLE)
      OR (
        NOT `__raw__amount` IS NULL AND TRY_CAST(`__raw__amount` AS DOUBLE) IS NULL
      )
    )
    THEN 'range[2]'
    WHEN (
      (
        NOT `__raw__amount` IS NULL AND TRY_CAST(`__raw__amount` AS DOUBLE) IS NULL
      )
    )
    THEN 'accepted_types[3]'
    WHEN (
      `amount` > 500 AND CHAR_LENGTH(`status`) > 2
    )
    THEN 'custom_sql:big'
    WHEN TRY_CAST(`__raw__ts` AS TIMESTAMP(3)) < CAST(`__kafka_ts` AS TIMESTAMP(3)) - INTERVAL '0 00:00:30.500' DAY TO SECOND(3)
    THEN 'max_lag[10]'
  END AS BYTES)]
FROM `typed`
WHERE
  (
    `__raw__order_id` IS NULL
  )
  OR (
    (
      NOT `__raw__status` IS NULL AND NOT `__raw__status` IN ('NEW', 'it''s')
    )
  )
  OR (
    (
      TRY_CAST(`__raw__amount` AS DOUBLE) < CAST(0.0 AS DOUBLE)
      OR TRY_CAST(`__raw__amount` AS DOUBLE) > CAST(1000.0 AS DOUBLE)
      OR (
        NOT `__raw__amount` IS NULL AND TRY_CAST(`__raw__amount` AS DOUBLE) IS NULL
      )
    )
  )
  OR (
    (
      (
        NOT `__raw__amount` IS NULL AND TRY_CAST(`__raw__amount` AS DOUBLE) IS NULL
      )
    )
  )
  OR (
    (
      `amount` > 500 AND CHAR_LENGTH(`status`) > 2
    )
  )
  OR (
    TRY_CAST(`__raw__ts` AS TIMESTAMP(3)) < CAST(`__kafka_ts` AS TIMESTAMP(3)) - INTERVAL '0 00:00:30.500' DAY TO SECOND(3)
  );
END;
