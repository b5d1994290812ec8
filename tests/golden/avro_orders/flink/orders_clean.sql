-- streamt job streamt.avro-orders.orders_clean
SET 'pipeline.name' = 'streamt.avro-orders.orders_clean';

SET 'execution.checkpointing.interval' = '10000 ms';

CREATE TEMPORARY TABLE `orders_raw` (
  `order_id` STRING,
  `customer_id` STRING,
  `amount` DOUBLE,
  `status` STRING,
  `order_ts` TIMESTAMP(3),
  WATERMARK FOR `order_ts` AS `order_ts` - INTERVAL '3' SECOND
)
WITH (
  'connector'='kafka',
  'topic'='orders.avro.v1',
  'properties.bootstrap.servers'='localhost:9092',
  'properties.group.id'='streamt.avro-orders.orders_clean',
  'scan.startup.mode'='earliest-offset',
  'format'='avro-confluent',
  'avro-confluent.url'='http://localhost:8081'
);

CREATE TEMPORARY TABLE `orders_clean` (
  `order_id` STRING,
  `customer_id` STRING,
  `amount` DOUBLE,
  `status` STRING NOT NULL,
  `order_ts` TIMESTAMP(3)
)
WITH (
  'connector'='kafka',
  'topic'='orders_clean',
  'properties.bootstrap.servers'='localhost:9092',
  'format'='json'
);

INSERT INTO `orders_clean`
SELECT
  `order_id`,
  `customer_id`,
  `amount`,
  COALESCE(`status`, 'new') AS `status`,
  `order_ts`
FROM `orders_raw`
WHERE
  `amount` > 0;
