-- id: rogue-cert/scanner-vs-wire
-- title: The scanner and the clients on the wire got different leaf certificates at about the same time
-- severity: high
-- requirements: rogue-cert:R9
-- remediation: Something answers clients differently from the scanner: an interception proxy on
--   the clients' path, split-horizon DNS or load-balancer members with other certificates
--   (scan every backend), or a rogue server. Compare both certificates and find which is right.
-- description: Per server (IP, port, SNI), each leaf seen on the wire (TLS 1.2 and below) is
--   compared with the leaves of every chain of the successful scan of that server nearest in
--   time, when that scan finished within 24 hours of the connection (anchors §4.3: A is the
--   latest result at most 24 h old). Alarm when the wire leaf is none of them. Skip when no scan
--   is that close, or no leaf was seen on the wire (TLS 1.3 hides it: see rogue-cert/tls13-rescan).
WITH wire AS MATERIALIZED (
  SELECT id, resource, ts, server_ip, server_port, sni, leaf FROM rc_conn WHERE leaf IS NOT NULL),
scans AS MATERIALIZED (
  SELECT a.scan_id, a.ip, a.port, a.sni, a.finished FROM v_scan_all a
  WHERE a.error IS NULL AND EXISTS (SELECT 1 FROM scan_certs sc WHERE sc.scan_id = a.scan_id AND sc.depth = 0)),
pairs AS (
  SELECT c.id, a.scan_id, abs(julianday(a.finished) - julianday(c.ts)) AS d
  FROM wire c JOIN scans a ON a.ip = c.server_ip AND a.port = c.server_port AND a.sni IS c.sni
  WHERE abs(julianday(a.finished) - julianday(c.ts)) <= 1.0),
nearest AS MATERIALIZED (
  SELECT id, scan_id FROM (SELECT id, scan_id,
    row_number() OVER (PARTITION BY id ORDER BY d, scan_id DESC) AS rn FROM pairs) WHERE rn = 1),
got AS MATERIALIZED (
  SELECT scan_id, group_concat(DISTINCT cert_sha256) AS scanned
  FROM (SELECT sc.scan_id, sc.cert_sha256 FROM scan_certs sc
        WHERE sc.depth = 0 AND sc.scan_id IN (SELECT scan_id FROM nearest)
        ORDER BY sc.scan_id, sc.chain)
  GROUP BY scan_id),
v AS MATERIALIZED (
  SELECT c.id, c.resource, c.ts, c.leaf, n.scan_id, g.scanned,
         CASE WHEN n.scan_id IS NULL THEN NULL
              WHEN EXISTS (SELECT 1 FROM scan_certs sc WHERE sc.scan_id = n.scan_id AND sc.depth = 0
                             AND sc.cert_sha256 = c.leaf) THEN 0 ELSE 1 END AS bad
  FROM wire c LEFT JOIN nearest n ON n.id = c.id LEFT JOIN got g ON g.scan_id = n.scan_id),
r AS MATERIALIZED (
  SELECT resource, count(*) AS n, sum(bad) AS n_bad, count(bad) AS n_judged FROM v GROUP BY resource),
lst AS (
  SELECT resource, group_concat(x, '; ') AS x FROM (
    SELECT resource, x FROM (
      SELECT resource, first, leaf, scan_id, x,
             row_number() OVER (PARTITION BY resource ORDER BY first, leaf, scan_id) AS rn
      FROM (SELECT resource, leaf, scan_id, min(ts) AS first,
                   'wire ' || leaf || ' on ' || count(*) || ' connections from '
                     || min(ts) || ', scan ' || scan_id || ' got ' || scanned AS x
            FROM v WHERE bad = 1 GROUP BY resource, leaf, scan_id))
    WHERE rn <= 3 ORDER BY resource, first, leaf, scan_id)
  GROUP BY resource),
ev AS (
  SELECT resource, json_group_array(ref) AS refs FROM (
    SELECT DISTINCT resource, k, n, ref FROM (
      SELECT resource, 1 AS k, id AS n, 'connection:' || id AS ref FROM v WHERE bad = 1
      UNION ALL SELECT v.resource, 0, v.scan_id, 'scan:' || v.scan_id FROM v JOIN r USING (resource)
        WHERE v.scan_id IS NOT NULL AND (v.bad = 1 OR r.n_bad = 0)
      UNION ALL SELECT resource, 2, 0, 'cert:' || leaf FROM v WHERE bad = 1
      UNION ALL SELECT v.resource, 2, 1, 'cert:' || sc.cert_sha256 FROM v
        JOIN scan_certs sc ON sc.scan_id = v.scan_id AND sc.depth = 0 WHERE v.bad = 1)
    ORDER BY resource, k, n, ref)
  GROUP BY resource)
SELECT r.resource AS resource,
  CASE WHEN r.n_bad > 0 THEN 'alarm' WHEN r.n_judged > 0 THEN 'ok' ELSE 'skip' END AS status,
  CASE WHEN r.n_bad > 0 THEN r.n_bad || ' of ' || r.n_judged || ' connections got another leaf than the scanner: '
         || lst.x
       WHEN r.n_judged > 0 THEN r.n_judged || ' connections, each with a leaf the nearest scan also got'
       ELSE r.n || ' connections with a leaf, no successful scan of this server within 24 hours of them' END AS reason,
  ifnull(ev.refs, '[]') AS evidence
FROM r LEFT JOIN lst USING (resource) LEFT JOIN ev USING (resource)
ORDER BY r.resource
