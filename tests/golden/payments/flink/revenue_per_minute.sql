-- streamt job streamt.payments.revenue_per_minute
SET 'pipeline.name' = 'streamt.payments.revenue_per_minute';

SET 'parallelism.default' = '2';

SET 'execution.checkpointing.interval' = '30000 ms';

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
  'properties.group.id'='streamt.payments.revenue_per_minute',
  'scan.startup.mode'='earliest-offset',
  'format'='json',
  'scan.parallelism'='1'
);

CREATE TEMPORARY TABLE `revenue_per_minute` (
  `window_start` TIMESTAMP(3) NOT NULL,
  `window_end` TIMESTAMP(3) NOT NULL,
  `customer_id` STRING,
  `revenue` DECIMAL(38, 2),
  `payments` BIGINT NOT NULL
)
WITH (
  'connector'='kafka',
  'topic'='revenue_per_minute',
  'properties.bootstrap.servers'='localhost:9092',
  'format'='json'
);

INSERT INTO `revenue_per_minute`
SELECT
  `window_start`,
  `window_end`,
  `customer_id`,
  SUM(`amount`) AS `revenue`,
  COUNT(*) AS `payments`
FROM TABLE(TUMBLE(TABLE `payments_eur`, DESCRIPTOR(`paid_at`), INTERVAL '1' MINUTE))
GROUP BY
  `window_start`,
  `window_end`,
  `customer_id`;
