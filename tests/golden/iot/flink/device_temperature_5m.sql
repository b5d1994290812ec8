-- streamt job streamt.iot.device_temperature_5m
SET 'pipeline.name' = 'streamt.iot.device_temperature_5m';

SET 'execution.checkpointing.interval' = '10000 ms';

CREATE TEMPORARY TABLE `readings_clean` (
  `device_id` STRING,
  `site` STRING,
  `temperature` DOUBLE,
  `humidity` DOUBLE,
  `reading_ts` TIMESTAMP(3),
  WATERMARK FOR `reading_ts` AS `reading_ts` - INTERVAL '2' SECOND
)
WITH (
  'connector'='kafka',
  'topic'='readings_clean',
  'properties.bootstrap.servers'='localhost:9092',
  'properties.group.id'='streamt.iot.device_temperature_5m',
  'scan.startup.mode'='earliest-offset',
  'format'='json'
);

CREATE TEMPORARY TABLE `device_temperature_5m` (
  `window_start` TIMESTAMP(3) NOT NULL,
  `window_end` TIMESTAMP(3) NOT NULL,
  `window_time` TIMESTAMP(3) NOT NULL,
  `device_id` STRING,
  `avg_temperature` DOUBLE,
  `max_temperature` DOUBLE,
  `readings` BIGINT NOT NULL
)
WITH (
  'connector'='kafka',
  'topic'='device_temperature_5m',
  'properties.bootstrap.servers'='localhost:9092',
  'format'='json'
);

INSERT INTO `device_temperature_5m`
SELECT
  `window_start`,
  `window_end`,
  `window_time`,
  `device_id`,
  AVG(`temperature`) AS `avg_temperature`,
  MAX(`temperature`) AS `max_temperature`,
  COUNT(*) AS `readings`
FROM TABLE(
  HOP(
    TABLE `readings_clean`,
    DESCRIPTOR(`reading_ts`),
    INTERVAL '1' MINUTE,
    INTERVAL '5' MINUTE
  )
)
GROUP BY
  `window_start`,
  `window_end`,
  `window_time`,
  `device_id`;
