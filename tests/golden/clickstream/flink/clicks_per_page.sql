-- streamt job streamt.clickstream.clicks_per_page
SET 'pipeline.name' = 'streamt.clickstream.clicks_per_page';

SET 'execution.checkpointing.interval' = '10000 ms';

CREATE TEMPORARY TABLE `view_clicks` (
  `user_id` STRING,
  `page` STRING,
  `element` STRING,
  `view_ts` TIMESTAMP(3),
  `click_ts` TIMESTAMP(3),
  WATERMARK FOR `view_ts` AS `view_ts` - INTERVAL '1' SECOND
)
WITH (
  'connector'='kafka',
  'topic'='view_clicks',
  'properties.bootstrap.servers'='localhost:9092',
  'properties.group.id'='streamt.clickstream.clicks_per_page',
  'scan.startup.mode'='earliest-offset',
  'format'='json'
);

CREATE TEMPORARY TABLE `clicks_per_page` (
  `page` STRING NOT NULL,
  `clicks` BIGINT NOT NULL,
  `users` BIGINT NOT NULL,
  PRIMARY KEY (`page`) NOT ENFORCED
)
WITH (
  'connector'='upsert-kafka',
  'topic'='clicks_per_page',
  'properties.bootstrap.servers'='localhost:9092',
  'key.format'='json',
  'value.format'='json'
);

INSERT INTO `clicks_per_page`
SELECT
  `page`,
  COUNT(*) AS `clicks`,
  COUNT(DISTINCT `user_id`) AS `users`
FROM `view_clicks`
GROUP BY
  `page`;
