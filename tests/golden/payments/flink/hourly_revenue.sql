-- streamt job streamt.payments.hourly_revenue
SET 'pipeline.name' = 'streamt.payments.hourly_revenue';

SET 'execution.checkpointing.interval' = '10000 ms';

CREATE TEMPORARY TABLE `payments_eur` (
  `payment_id` STRING,
  `customer_id` STRING,
  `amount` DECIMAL(12, 2),
  `status` STRING,
  `paid_at` TIMESTAMP(3),
  WATERMARK FOR `paid_at` AS `paid_at` - INTERVAL '5' SECOND
)
WITH (
  'connector'='kafka',
  'topic'='payments_eur',
  'properties.bootstrap.servers'='localhost:9092',
  'properties.group.id'='streamt.payments.hourly_revenue',
  'scan.startup.mode'='earliest-offset',
  'format'='json'
);

CREATE TEMPORARY TABLE `hourly_revenue` (
  `hour` TIMESTAMP(3) NOT NULL,
  `revenue` DECIMAL(38, 2)
)
WITH (
  'connector'='kafka',
  'topic'='hourly_revenue',
  'properties.bootstrap.servers'='localhost:9092',
  'format'='json'
);

INSERT INTO `hourly_revenue`
SELECT
  TUMBLE_START(`paid_at`, INTERVAL '1' HOUR) AS `hour`,
  SUM(`amount`) AS `revenue`
FROM `payments_eur`
GROUP BY
  TUMBLE(`paid_at`, INTERVAL '1' HOUR);
