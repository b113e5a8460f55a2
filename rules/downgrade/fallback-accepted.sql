-- id: downgrade/fallback-accepted
-- title: A fallback retry (TLS_FALLBACK_SCSV) completed below the best version the scan proved
-- severity: medium
-- requirements: downgrade:D3
-- remediation: A server that supports a higher version must refuse a hello carrying
--   TLS_FALLBACK_SCSV below it with inappropriate_fallback (RFC 7507 §3). Find what
--   answered (a backend without the higher version or without RFC 7507 support, or a
--   middlebox) and why the client fell back (a failed first attempt: network or interference).
-- description: Per server (IP, port, SNI) against the reference scan (the latest that ended
--   before the handshake, else the first after): a ClientHello with the SCSV 0x5600
--   (connections.fallback_scsv) whose handshake went on to a ServerHello (a negotiated
--   version is stored) at a version below the scan's best supported one. A server that
--   answers alert 86 leaves no negotiated version and is not counted. Severity high when
--   one client did it more than once. Skip for servers without a successful scan.
WITH c AS MATERIALIZED (SELECT * FROM dg_conn),
s AS MATERIALIZED (SELECT scan_id, best, best_name FROM dg_scan WHERE scan_id IN (SELECT scan_id FROM c)),
j AS MATERIALIZED (
  SELECT c.id, c.resource, c.client_ip, c.client_port, c.version, c.fallback_scsv, c.scan_id,
         s.best, s.best_name,
         CASE WHEN c.fallback_scsv = 1 AND c.got IS NOT NULL AND c.got < s.best THEN 1 ELSE 0 END AS bad
  FROM c LEFT JOIN s ON s.scan_id = c.scan_id),
r AS MATERIALIZED (
  SELECT resource, count(*) AS n, count(best) AS n_best, sum(bad) AS n_bad, sum(fallback_scsv) AS n_scsv
  FROM j GROUP BY resource),
lst AS (
  SELECT resource, group_concat(x, '; ') AS x FROM (
    SELECT resource, x FROM (
      SELECT resource, id, 'connection ' || id || ' (' || client_ip || ':' || client_port || ') '
               || version || ' with TLS_FALLBACK_SCSV, scan ' || scan_id || ' proved ' || best_name AS x,
             row_number() OVER (PARTITION BY resource ORDER BY id) AS rn
      FROM j WHERE bad = 1)
    WHERE rn <= 5 ORDER BY resource, id)
  GROUP BY resource),
ev AS (
  SELECT resource, json_group_array(ref) AS refs FROM (
    SELECT DISTINCT resource, k, n, ref FROM (
      SELECT j.resource, 0 AS k, j.scan_id AS n, 'scan:' || j.scan_id AS ref FROM j JOIN r USING (resource)
       WHERE j.best IS NOT NULL AND (j.bad = 1 OR r.n_bad = 0)
      UNION ALL SELECT resource, 1, id, 'connection:' || id FROM j WHERE bad = 1)
    ORDER BY resource, k, n)
  GROUP BY resource),
twice AS (
  SELECT DISTINCT resource FROM j WHERE bad = 1 GROUP BY resource, client_ip HAVING count(*) > 1)
SELECT r.resource AS resource,
  CASE WHEN r.n_best = 0 THEN 'skip' WHEN r.n_bad > 0 THEN 'alarm' ELSE 'ok' END AS status,
  CASE WHEN r.n_best = 0 THEN 'no successful scan of this server: ' || r.n || ' handshakes, '
         || r.n_scsv || ' with TLS_FALLBACK_SCSV, not judged'
       WHEN r.n_bad > 0 THEN
         r.n_bad || ' fallback handshakes completed below the version the scan proved: '
         || lst.x || CASE WHEN r.n_bad > 5 THEN '; ...' ELSE '' END
       ELSE r.n_best || ' handshakes judged, ' || r.n_scsv
         || ' with TLS_FALLBACK_SCSV: none completed below the version the scan proved' END AS reason,
  ifnull(ev.refs, '[]') AS evidence,
  CASE WHEN twice.resource IS NOT NULL THEN 'high' END AS severity
FROM r LEFT JOIN lst USING (resource) LEFT JOIN ev USING (resource) LEFT JOIN twice USING (resource)
ORDER BY r.resource
