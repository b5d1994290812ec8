-- streamt job streamt.clickstream.view_clicks
SET 'pipeline.name' = 'streamt.clickstream.view_clicks';

SET 'execution.checkpointing.interval' = '10000 ms';

CREATE TEMPORARY TABLE `page_views` (
  `user_id` STRING,
  `page` STRING,
  `view_ts` TIMESTAMP(3),
  WATERMARK FOR `view_ts` AS `view_ts` - INTERVAL '1' SECOND
)
WITH (
  'connector'='kafka',
  'topic'='web.page-views.v1',
  'properties.bootstrap.servers'='localhost:9092',
  'properties.group.id'='streamt.clickstream.view_clicks',
  'scan.startup.mode'='earliest-offset',
  'format'='json'
);

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
  'properties.group.id'='streamt.clickstream.view_clicks',
  'scan.startup.mode'='earliest-offset',
  'format'='json'
);

CREATE TEMPORARY TABLE `view_clicks` (
  `user_id` STRING,
  `page` STRING,
  `element` STRING,
  `view_ts` TIMESTAMP(3),
  `click_ts` TIMESTAMP(3)
)
WITH (
  'connector'='kafka',
  'topic'='view_clicks',
  'properties.bootstrap.servers'='localhost:9092',
  'format'='json'
);

INSERT INTO `view_clicks`
SELECT
  `user_id`,
  `page`,
  `element`,
  `view_ts`,
  CAST(`click_ts` AS TIMESTAMP(3)) AS `click_ts`
FROM (
  SELECT
    `v`.`user_id`,
    `v`.`page`,
    `c`.`element`,
    `v`.`view_ts`,
    `c`.`click_ts`
  FROM `page_views` AS `v`
  JOIN `clicks` AS `c`
    ON `v`.`user_id` = `c`.`user_id`
    AND `v`.`page` = `c`.`page`
    AND `c`.`click_ts` BETWEEN `v`.`view_ts` AND `v`.`view_ts` + INTERVAL '10' MINUTE
) AS `q`;
