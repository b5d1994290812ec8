-- streamt job streamt.avro-orders.orders_per_minute
SET 'pipeline.name' = 'streamt.avro-orders.orders_per_minute';

SET 'execution.checkpointing.interval' = '10000 ms';

CREATE TEMPORARY TABLE `orders_clean` (
  `order_id` STRING,
  `customer_id` STRING,
  `amount` DOUBLE,
  `status` STRING NOT NULL,
  `order_ts` TIMESTAMP(3),
  WATERMARK FOR `order_ts` AS `order_ts` - INTERVAL '3' SECOND
)
WITH (
  'connector'='kafka',
  'topic'='orders_clean',
  'properties.bootstrap.servers'='localhost:9092',
  'properties.group.id'='streamt.avro-orders.orders_per_minute',
  'scan.startup.mode'='earliest-offset',
  'format'='json'
);

CREATE TEMPORARY TABLE `orders_per_minute` (
  `window_start` TIMESTAMP(3) NOT NULL,
  `window_end` TIMESTAMP(3) NOT NULL,
  `orders` BIGINT NOT NULL,
  `total` DOUBLE
)
WITH (
  'connector'='kafka',
  'topic'='orders_per_minute',
  'properties.bootstrap.servers'='localhost:9092',
  'format'='json'
);

INSERT INTO `orders_per_minute`
SELECT
  `window_start`,
  `window_end`,
  COUNT(*) AS `orders`,
  SUM(`amount`) AS `total`
FROM TABLE(TUMBLE(TABLE `orders_clean`, DESCRIPTOR(`order_ts`), INTERVAL '1' MINUTE))
GROUP BY
  `window_start`,
  `window_end`;
