-- streamt job streamt.clickstream.latest_click_per_user
SET 'pipeline.name' = 'streamt.clickstream.latest_click_per_user';

SET 'execution.checkpointing.interval' = '10000 ms';

CREATE TEMPORARY TABLE `clicks` (
  `user_id` STRING,
  `page` STRING,
  `element` STRING,
  `click_ts` TIMESTAMP(3),
  WATERMARK FOR `click_ts` AS `click_ts` - INTERVAL '1' SECOND
)
WITH (
  'connector'='kafka',
  'topic'='web.clicks.v1',
  'properties.bootstrap.servers'='localhost:9092',
  'properties.group.id'='streamt.clickstream.latest_click_per_user',
  'scan.startup.mode'='earliest-offset',
  'format'='json'
);

CREATE TEMPORARY TABLE `latest_click_per_user` (
  `user_id` STRING NOT NULL,
  `page` STRING,
  `element` STRING,
  `click_ts` TIMESTAMP(3),
  PRIMARY KEY (`user_id`) NOT ENFORCED
)
WITH (
  'connector'='upsert-kafka',
  'topic'='latest_click_per_user',
  'properties.bootstrap.servers'='localhost:9092',
  'key.format'='json',
  'value.format'='json'
);

INSERT INTO `latest_click_per_user`
SELECT
  `user_id`,
  `page`,
  `element`,
  `click_ts`
FROM (
  SELECT
    *,
    ROW_NUMBER() OVER (PARTITION BY `user_id` ORDER BY `click_ts` DESC) AS `rn`
  FROM `clicks`
)
WHERE
  `rn` = 1;
