-- streamt job streamt.clickstream.clicks_per_page_pg__envelope
SET 'pipeline.name' = 'streamt.clickstream.clicks_per_page_pg__envelope';

SET 'execution.checkpointing.interval' = '10000 ms';

SET 'table.local-time-zone' = 'UTC';

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
  'properties.group.id'='streamt.clickstream.clicks_per_page_pg__envelope',
  'key.format'='json',
  'value.format'='json'
);

CREATE TEMPORARY TABLE `clicks_per_page_pg__envelope` (
  `page` STRING NOT NULL,
  `schema` ROW<`type` STRING, `name` STRING, `optional` BOOLEAN, `fields` ARRAY<ROW<`field` STRING, `type` STRING, `optional` BOOLEAN, `name` STRING>>>,
  `payload` ROW<`page` STRING, `clicks` BIGINT, `users` BIGINT>,
  PRIMARY KEY (`page`) NOT ENFORCED
)
WITH (
  'connector'='upsert-kafka',
  'topic'='clicks_per_page_pg.connect',
  'properties.bootstrap.servers'='localhost:9092',
  'key.format'='json',
  'value.format'='json',
  'value.fields-include'='EXCEPT_KEY'
);

INSERT INTO `clicks_per_page_pg__envelope`
SELECT
  `page`,
  ROW(
    'struct',
    'clicks_per_page_pg',
    FALSE,
    ARRAY[ROW('page', 'string', FALSE, CAST(NULL AS STRING)), ROW('clicks', 'int64', FALSE, CAST(NULL AS STRING)), ROW('users', 'int64', FALSE, CAST(NULL AS STRING))]
  ) AS `schema`,
  ROW(`page`, `clicks`, `users`) AS `payload`
FROM `clicks_per_page`;
