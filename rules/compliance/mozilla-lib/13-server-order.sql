-- view: mozilla_server_order
-- description: The check of rules/compliance/mozilla-*/13-server-order.sql for every profile of
--   mozilla_profile: profile, resource, status, reason, evidence.
CREATE TEMP VIEW mozilla_server_order AS
WITH want AS (
  SELECT profile, json_extract(c, '$.server_preferred_order') AS on_ FROM mozilla_profile
),
s AS (SELECT scan_id, resource, result FROM v_scan WHERE error IS NULL),
o AS (
  SELECT s.scan_id, j.key AS version, j.value AS server_order
  FROM s, json_each(s.result, '$.server_order') j WHERE j.key <> 'TLSv1.3'
),
per AS (
  SELECT s.scan_id, s.resource,
    (SELECT group_concat(version, ', ') FROM o WHERE o.scan_id = s.scan_id AND server_order = 1)
      AS server,
    (SELECT group_concat(version, ', ') FROM o WHERE o.scan_id = s.scan_id AND server_order = 0)
      AS client,
    (SELECT group_concat(version, ', ') FROM o WHERE o.scan_id = s.scan_id
      AND server_order IS NULL) AS unknown
  FROM s
)
SELECT want.profile, resource,
  CASE WHEN want.on_ IS NOT 1 THEN 'ok' WHEN client IS NOT NULL THEN 'alarm'
       WHEN unknown IS NOT NULL AND server IS NULL THEN 'skip' ELSE 'ok' END AS status,
  CASE WHEN want.on_ IS NOT 1
         THEN 'the profile leaves the order to the client (server_preferred_order false)'
              || ifnull('; server order on ' || server, '')
              || ifnull('; client order on ' || client, '')
       WHEN client IS NOT NULL THEN 'the client''s order decides on ' || client
            || ' although the profile sets server_preferred_order'
       WHEN server IS NOT NULL THEN 'the server''s order decides on ' || server
            || ifnull('; not determined on ' || unknown || ' (one suite or inconclusive)', '')
       WHEN unknown IS NOT NULL THEN 'order not determined on ' || unknown
            || ' (one suite or inconclusive)'
       ELSE 'no suite accepted below TLS 1.3: no order to judge' END AS reason,
  json_array('scan:' || scan_id) AS evidence
FROM per, want
