-- streamt job streamt.iot.readings_clean
SET 'pipeline.name' = 'streamt.iot.readings_clean';

SET 'execution.checkpointing.interval' = '10000 ms';

CREATE TEMPORARY TABLE `sensor_readings` (
  `device_id` STRING,
  `site` STRING,
  `temperature` DOUBLE,
  `humidity` DOUBLE,
  `reading_ts` TIMESTAMP(3),
  WATERMARK FOR `reading_ts` AS `reading_ts` - INTERVAL '2' SECOND
)
WITH (
  'connector'='kafka',
  'topic'='iot.sensor-readings.v1',
  'properties.bootstrap.servers'='localhost:9092',
  'properties.group.id'='streamt.iot.readings_clean',
  'scan.startup.mode'='earliest-offset',
  'format'='json'
);

CREATE TEMPORARY TABLE `readings_clean` (
  `device_id` STRING,
  `site` STRING,
  `temperature` DOUBLE,
  `humidity` DOUBLE,
  `reading_ts` TIMESTAMP(3)
)
WITH (
  'connector'='kafka',
  'topic'='readings_clean',
  'properties.bootstrap.servers'='localhost:9092',
  'format'='json'
);

INSERT INTO `readings_clean`
SELECT
  `device_id`,
  `site`,
  `temperature`,
  `humidity`,
  `reading_ts`
FROM `sensor_readings`
WHERE
  `temperature` BETWEEN -50 AND 150 AND NOT `device_id` IS NULL;
