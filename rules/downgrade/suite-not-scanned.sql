-- id: downgrade/suite-not-scanned
-- title: A handshake negotiated a cipher suite the scan did not find accepted for that version
-- severity: medium
-- requirements: downgrade:D4
-- remediation: What answered these clients accepts suites the scanned server refuses (or a
--   version it refuses): configuration drift between backends, a middlebox, or a
--   different server. Re-scan, align the configurations, find the other server.
-- description: Per server (IP, port, SNI) against the reference scan (the latest that ended
--   before the handshake, else the first after): the negotiated suite (connections.cipher,
--   IANA name) is not in the scan's list for the negotiated version ($.ciphers."TLSv1.2"
--   ...), or the scan found that version refused. Severity high when the version itself was
--   refused. Whether the suite is the one the server's order would have picked from the
--   client's list cannot be decided: the sensor does not store the offered suites. Skip for
--   servers without a successful scan.
WITH conn AS (
  SELECT c.id, c.resource, c.client_ip, c.client_port, c.version, c.cipher,
         coalesce((SELECT max(a.scan_id) FROM v_scan_all a
                   WHERE a.ip = c.server_ip AND a.port = c.server_port AND a.sni IS c.sni
                     AND a.error IS NULL AND a.finished <= c.ts),
                  (SELECT min(a.scan_id) FROM v_scan_all a
                   WHERE a.ip = c.server_ip AND a.port = c.server_port AND a.sni IS c.sni
                     AND a.error IS NULL)) AS scan_id
  FROM v_conn c),
j AS (
  SELECT conn.*,
         json_extract(a.result, '$.protocols."' || conn.version || '"') AS vok,
         CASE WHEN a.scan_id IS NULL OR conn.version IS NULL OR conn.cipher IS NULL
                   OR conn.version = 'SSLv2' THEN NULL
              WHEN json_extract(a.result, '$.protocols."' || conn.version || '"') = 0 THEN 2
              WHEN json_extract(a.result, '$.protocols."' || conn.version || '"') IS NULL THEN NULL
              WHEN EXISTS (SELECT 1 FROM json_each(a.result, '$.ciphers."' || conn.version || '"') s
                           WHERE s.value = conn.cipher) THEN 0
              ELSE 1 END AS bad
  FROM conn LEFT JOIN v_scan_all a ON a.scan_id = conn.scan_id)
SELECT j.resource AS resource,
  CASE WHEN count(scan_id) = 0 THEN 'skip' WHEN sum(bad > 0) > 0 THEN 'alarm'
       WHEN count(bad) > 0 THEN 'ok' ELSE 'skip' END AS status,
  CASE WHEN count(scan_id) = 0 THEN 'no successful scan of this server: ' || count(*) || ' handshakes not judged'
       WHEN sum(bad > 0) > 0 THEN
         sum(bad > 0) || ' of ' || count(bad) || ' handshakes with a suite or version the scan did not find accepted: '
         || (SELECT group_concat(x, '; ') FROM (SELECT 'connection ' || b.id || ' (' || b.client_ip || ':'
               || b.client_port || ') ' || b.version || ' ' || b.cipher
               || CASE WHEN b.bad = 2 THEN ', version refused by scan ' ELSE ', not accepted for that version by scan ' END
               || b.scan_id AS x
             FROM j b WHERE b.resource = j.resource AND b.bad > 0 ORDER BY b.id LIMIT 5))
         || CASE WHEN sum(bad > 0) > 5 THEN '; ...' ELSE '' END
       WHEN count(bad) > 0 THEN count(bad) || ' handshakes, each with a suite the scan found accepted for its version'
       ELSE 'no handshake with a negotiated version and suite that the scan tested' END AS reason,
  (SELECT json_group_array(ref) FROM (
     SELECT ref FROM (SELECT 0 AS k, b.scan_id AS n, 'scan:' || b.scan_id AS ref FROM j b
                      WHERE b.resource = j.resource AND b.bad IS NOT NULL
                        AND (b.bad > 0 OR NOT EXISTS (SELECT 1 FROM j x WHERE x.resource = j.resource AND x.bad > 0))
                      UNION SELECT 1, b.id, 'connection:' || b.id FROM j b WHERE b.resource = j.resource AND b.bad > 0)
     ORDER BY k, n)) AS evidence,
  CASE WHEN sum(bad = 2) > 0 THEN 'high' END AS severity
FROM j GROUP BY j.resource ORDER BY j.resource
