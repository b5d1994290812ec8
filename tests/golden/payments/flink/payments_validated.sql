-- streamt job streamt.payments.payments_validated
SET 'pipeline.name' = 'streamt.payments.payments_validated';

SET 'execution.checkpointing.interval' = '10000 ms';

CREATE TEMPORARY TABLE `payments_raw` (
  `payment_id` STRING,
  `customer_id` STRING,
  `amount` DECIMAL(12, 2),
  `currency` STRING,
  `status` STRING,
  `paid_at` TIMESTAMP(3),
  WATERMARK FOR `paid_at` AS `paid_at` - INTERVAL '5' SECOND
)
WITH (
  'connector'='kafka',
  'topic'='payments.raw.v1',
  'properties.bootstrap.servers'='localhost:9092',
  'properties.group.id'='streamt.payments.payments_validated',
  'scan.startup.mode'='earliest-offset',
  'format'='json'
);

CREATE TEMPORARY TABLE `payments_validated` (
  `payment_id` STRING,
  `customer_id` STRING,
  `amount` DECIMAL(12, 2),
  `currency` STRING,
  `status` STRING,
  `paid_at` TIMESTAMP(3)
)
WITH (
  'connector'='kafka',
  'topic'='payments_validated',
  'properties.bootstrap.servers'='localhost:9092',
  'format'='json'
);

INSERT INTO `payments_validated`
SELECT
  `payment_id`,
  `customer_id`,
  `amount`,
  `currency`,
  `status`,
  `paid_at`
FROM `payments_raw`
WHERE
  `amount` > 0 AND NOT `status` IS NULL;
