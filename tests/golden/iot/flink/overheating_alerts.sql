-- streamt job streamt.iot.overheating_alerts
SET 'pipeline.name' = 'streamt.iot.overheating_alerts';

SET 'execution.checkpointing.interval' = '10000 ms';

CREATE TEMPORARY TABLE `device_temperature_5m` (
  `window_start` TIMESTAMP(3) NOT NULL,
  `window_end` TIMESTAMP(3) NOT NULL,
  `window_time` TIMESTAMP(3) NOT NULL,
  `device_id` STRING,
  `avg_temperature` DOUBLE,
  `max_temperature` DOUBLE,
  `readings` BIGINT NOT NULL,
  WATERMARK FOR `window_time` AS `window_time` - INTERVAL '2' SECOND
)
WITH (
  'connector'='kafka',
  'topic'='device_temperature_5m',
  'properties.bootstrap.servers'='localhost:9092',
  'properties.group.id'='streamt.iot.overheating_alerts',
  'scan.startup.mode'='earliest-offset',
  'format'='json'
);

CREATE TEMPORARY TABLE `overheating_alerts` (
  `alert_ts` TIMESTAMP(3) NOT NULL,
  `device_id` STRING,
  `max_temperature` DOUBLE
)
WITH (
  'connector'='kafka',
  'topic'='overheating_alerts',
  'properties.bootstrap.servers'='localhost:9092',
  'format'='json'
);

INSERT INTO `overheating_alerts`
SELECT
  `window_time` AS `alert_ts`,
  `device_id`,
  `max_temperature`
FROM `device_temperature_5m`
WHERE
  `max_temperature` > 80;
