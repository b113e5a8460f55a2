-- id: mozilla-6.0-intermediate/13-server-order
-- title: The server chooses the cipher suite when Mozilla 6.0 intermediate asks it to
-- severity: medium
-- requirements: mozilla-6.0-intermediate:server_preferred_order
-- remediation: Make the server's suite order decide (nginx ssl_prefer_server_ciphers on, OpenSSL
--   -serverpref / SSL_OP_CIPHER_SERVER_PREFERENCE) when the profile says so.
-- description: configurations.intermediate.server_preferred_order of
--   mozilla-server-side-tls-6.0.json (ref_doc 'mozilla-6.0'). When it is true, every version below
--   TLS 1.3 that accepts two suites or more must follow the server's order (the scanner's order
--   probe, $.server_order). When it is false the client may choose: the requirement holds whatever
--   the order. TLS 1.3 is not judged (the profile's ciphers order is about TLS 1.2 and older). Not
--   a numbered rule of tls-compliance-rules.json: the guidelines field itself.
WITH cfg AS (
  SELECT json_extract(doc, '$.configurations.intermediate') AS c
  FROM ref_doc WHERE name = 'mozilla-6.0'
),
want AS (SELECT json_extract(c, '$.server_preferred_order') AS on_ FROM cfg),
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
SELECT resource,
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
