-- streamt job streamt.payments.payments_eur
SET 'pipeline.name' = 'streamt.payments.payments_eur';

SET 'execution.checkpointing.interval' = '10000 ms';

CREATE TEMPORARY TABLE `payments_validated` (
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
  'topic'='payments_validated',
  'properties.bootstrap.servers'='localhost:9092',
  'properties.group.id'='streamt.payments.payments_eur',
  'scan.startup.mode'='earliest-offset',
  'format'='json'
);

CREATE TEMPORARY TABLE `payments_eur` (
  `payment_id` STRING,
  `customer_id` STRING,
  `amount` DECIMAL(12, 2),
  `status` STRING,
  `paid_at` TIMESTAMP(3)
)
WITH (
  'connector'='kafka',
  'topic'='payments_eur',
  'properties.bootstrap.servers'='localhost:9092',
  'format'='json'
);

INSERT INTO `payments_eur`
SELECT
  `payment_id`,
  `customer_id`,
  `amount`,
  UPPER(`status`) AS `status`,
  `paid_at`
FROM `payments_validated`
WHERE
  `currency` = 'EUR';
