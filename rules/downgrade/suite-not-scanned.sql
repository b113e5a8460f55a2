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
WITH c AS MATERIALIZED (SELECT * FROM dg_conn),
t AS MATERIALIZED (
  SELECT DISTINCT scan_id, version, cipher FROM c
  WHERE scan_id IS NOT NULL AND version IS NOT NULL AND cipher IS NOT NULL AND version <> 'SSLv2'),
tb AS MATERIALIZED (
  SELECT t.scan_id, t.version, t.cipher,
         CASE WHEN json_extract(s.result, '$.protocols."' || t.version || '"') = 0 THEN 2
              WHEN json_extract(s.result, '$.protocols."' || t.version || '"') IS NULL THEN NULL
              WHEN EXISTS (SELECT 1 FROM json_each(s.result, '$.ciphers."' || t.version || '"') x
                           WHERE x.value = t.cipher) THEN 0
              ELSE 1 END AS bad
  FROM t JOIN scans s ON s.id = t.scan_id),
j AS MATERIALIZED (
  SELECT c.id, c.resource, c.client_ip, c.client_port, c.version, c.cipher, c.scan_id, tb.bad
  FROM c LEFT JOIN tb ON tb.scan_id = c.scan_id AND tb.version = c.version AND tb.cipher = c.cipher),
r AS MATERIALIZED (
  SELECT resource, count(*) AS n, count(scan_id) AS n_scan, sum(bad > 0) AS n_bad, count(bad) AS n_judged,
         sum(bad = 2) AS n_refused
  FROM j GROUP BY resource),
lst AS (
  SELECT resource, group_concat(x, '; ') AS x FROM (
    SELECT resource, x FROM (
      SELECT resource, id, 'connection ' || id || ' (' || client_ip || ':'
               || client_port || ') ' || version || ' ' || cipher
               || CASE WHEN bad = 2 THEN ', version refused by scan ' ELSE ', not accepted for that version by scan ' END
               || scan_id AS x,
             row_number() OVER (PARTITION BY resource ORDER BY id) AS rn
      FROM j WHERE bad > 0)
    WHERE rn <= 5 ORDER BY resource, id)
  GROUP BY resource),
ev AS (
  SELECT resource, json_group_array(ref) AS refs FROM (
    SELECT DISTINCT resource, k, n, ref FROM (
      SELECT j.resource, 0 AS k, j.scan_id AS n, 'scan:' || j.scan_id AS ref FROM j JOIN r USING (resource)
       WHERE j.bad IS NOT NULL AND (j.bad > 0 OR r.n_bad = 0)
      UNION ALL SELECT resource, 1, id, 'connection:' || id FROM j WHERE bad > 0)
    ORDER BY resource, k, n)
  GROUP BY resource)
SELECT r.resource AS resource,
  CASE WHEN r.n_scan = 0 THEN 'skip' WHEN r.n_bad > 0 THEN 'alarm'
       WHEN r.n_judged > 0 THEN 'ok' ELSE 'skip' END AS status,
  CASE WHEN r.n_scan = 0 THEN 'no successful scan of this server: ' || r.n || ' handshakes not judged'
       WHEN r.n_bad > 0 THEN
         r.n_bad || ' of ' || r.n_judged || ' handshakes with a suite or version the scan did not find accepted: '
         || lst.x || CASE WHEN r.n_bad > 5 THEN '; ...' ELSE '' END
       WHEN r.n_judged > 0 THEN r.n_judged || ' handshakes, each with a suite the scan found accepted for its version'
       ELSE 'no handshake with a negotiated version and suite that the scan tested' END AS reason,
  ifnull(ev.refs, '[]') AS evidence,
  CASE WHEN r.n_refused > 0 THEN 'high' END AS severity
FROM r LEFT JOIN lst USING (resource) LEFT JOIN ev USING (resource)
ORDER BY r.resource
