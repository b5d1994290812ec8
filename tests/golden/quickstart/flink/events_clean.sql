-- streamt job streamt.my-pipeline.events_clean
SET 'pipeline.name' = 'streamt.my-pipeline.events_clean';

SET 'execution.checkpointing.interval' = '10000 ms';

CREATE TEMPORARY TABLE `events` (
  `event_id` STRING,
  `user_id` STRING,
  `event_type` STRING
)
WITH (
  'connector'='kafka',
  'topic'='events.raw.v1',
  'properties.bootstrap.servers'='localhost:9092',
  'properties.group.id'='streamt.my-pipeline.events_clean',
  'scan.startup.mode'='earliest-offset',
  'format'='json'
);

CREATE TEMPORARY TABLE `events_clean` (
  `event_id` STRING,
  `user_id` STRING,
  `event_type` STRING
)
WITH (
  'connector'='kafka',
  'topic'='events_clean',
  'properties.bootstrap.servers'='localhost:9092',
  'format'='json'
);

INSERT INTO `events_clean`
SELECT
  `event_id`,
  `user_id`,
  `event_type`
FROM `events`
WHERE
  NOT `event_id` IS NULL;
