-- streamt job streamt.iot.alerts_per_hour
SET 'pipeline.name' = 'streamt.iot.alerts_per_hour';

SET 'execution.checkpointing.interval' = '10000 ms';

CREATE TEMPORARY TABLE `overheating_alerts` (
  `alert_ts` TIMESTAMP(3) NOT NULL,
  `device_id` STRING,
  `max_temperature` DOUBLE,
  WATERMARK FOR `alert_ts` AS `alert_ts` - INTERVAL '2' SECOND
)
WITH (
  'connector'='kafka',
  'topic'='overheating_alerts',
  'properties.bootstrap.servers'='localhost:9092',
  'properties.group.id'='streamt.iot.alerts_per_hour',
  'scan.startup.mode'='earliest-offset',
  'format'='json'
);

CREATE TEMPORARY TABLE `alerts_per_hour` (
  `window_start` TIMESTAMP(3) NOT NULL,
  `window_end` TIMESTAMP(3) NOT NULL,
  `alerts` BIGINT NOT NULL
)
WITH (
  'connector'='kafka',
  'topic'='alerts_per_hour',
  'properties.bootstrap.servers'='localhost:9092',
  'format'='json'
);

INSERT INTO `alerts_per_hour`
SELECT
  `window_start`,
  `window_end`,
  COUNT(*) AS `alerts`
FROM TABLE(TUMBLE(TABLE `overheating_alerts`, DESCRIPTOR(`alert_ts`), INTERVAL '1' HOUR))
GROUP BY
  `window_start`,
  `window_end`;
