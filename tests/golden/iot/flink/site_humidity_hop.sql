-- streamt job streamt.iot.site_humidity_hop
SET 'pipeline.name' = 'streamt.iot.site_humidity_hop';

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
  'properties.group.id'='streamt.iot.site_humidity_hop',
  'scan.startup.mode'='earliest-offset',
  'format'='json'
);

CREATE TEMPORARY TABLE `site_humidity_hop` (
  `window_end` TIMESTAMP(3) NOT NULL,
  `site` STRING,
  `avg_humidity` DOUBLE
)
WITH (
  'connector'='kafka',
  'topic'='site_humidity_hop',
  'properties.bootstrap.servers'='localhost:9092',
  'format'='json'
);

INSERT INTO `site_humidity_hop`
SELECT
  HOP_END(`reading_ts`, INTERVAL '10' MINUTE, INTERVAL '1' HOUR) AS `window_end`,
  `site`,
  AVG(`humidity`) AS `avg_humidity`
FROM `readings_clean`
GROUP BY
  HOP(`reading_ts`, INTERVAL '10' MINUTE, INTERVAL '1' HOUR),
  `site`;
