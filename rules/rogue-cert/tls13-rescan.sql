-- id: rogue-cert/tls13-rescan
-- title: A server seen with TLS 1.3 on the wire (certificate hidden) needs a re-scan
-- severity: info
-- requirements: rogue-cert:tls13-rescan
-- remediation: Re-scan the server (tlsscope scan IP:PORT, with --sni NAME when there is one):
--   the scan's full handshakes see the certificate TLS 1.3 encrypts on the wire.
-- description: TLS 1.3 encrypts the Certificate message (RFC 8446 §2), so the sensor cannot
--   check these connections' certificates (rogue-cert/unknown-leaf, scanner-vs-wire). Per
--   server (IP, port, SNI) with TLSv1.3 connections: info when it has no successful scan or
--   its latest successful scan finished before the latest TLS 1.3 connection started (the
--   scan cannot vouch for what those clients got), with the TLS 1.3 connections since that
--   scan as evidence (the latest 20); ok when a scan finished after the latest one.
WITH t13 AS MATERIALIZED (
  SELECT id, resource, ts, server_ip, server_port, sni FROM v_conn WHERE version = 'TLSv1.3'),
s AS MATERIALIZED (
  SELECT c.resource, c.server_ip, c.server_port, c.sni, max(c.ts) AS last13, count(*) AS n13,
         (SELECT max(a.finished) FROM v_scan_all a WHERE a.ip = c.server_ip AND a.port = c.server_port
            AND a.sni IS c.sni AND a.error IS NULL) AS last_scan,
         (SELECT max(a.scan_id) FROM v_scan_all a WHERE a.ip = c.server_ip AND a.port = c.server_port
            AND a.sni IS c.sni AND a.error IS NULL) AS scan_id
  FROM t13 c
  GROUP BY c.resource, c.server_ip, c.server_port, c.sni),
since AS MATERIALIZED (
  SELECT t.resource, t.id, t.ts,
         row_number() OVER (PARTITION BY t.resource ORDER BY t.ts DESC, t.id DESC) AS rn
  FROM t13 t JOIN s USING (resource) WHERE s.last_scan IS NULL OR t.ts > s.last_scan),
n AS (SELECT resource, count(*) AS n FROM since GROUP BY resource),
ev AS (
  SELECT resource, json_group_array(ref) AS refs FROM (
    SELECT resource, ref FROM (
      SELECT resource, 0 AS k, scan_id AS n, 'scan:' || scan_id AS ref FROM s WHERE scan_id IS NOT NULL
      UNION ALL SELECT resource, 1, id, 'connection:' || id FROM since WHERE rn <= 20)
    ORDER BY resource, k, n)
  GROUP BY resource)
SELECT s.resource AS resource,
  CASE WHEN last_scan IS NULL OR last_scan < last13 THEN 'info' ELSE 'ok' END AS status,
  CASE WHEN last_scan IS NULL THEN n13 || ' TLS 1.3 connections (certificate hidden), the latest at ' || last13
         || ', and no successful scan of this server: scan it'
       WHEN last_scan < last13 THEN
         ifnull(n.n, 0)
         || ' TLS 1.3 connections (certificate hidden) since the latest scan ' || scan_id || ' finished at '
         || last_scan || ', the latest at ' || last13 || ': re-scan'
       ELSE 'the latest scan ' || scan_id || ' finished at ' || last_scan || ', after the latest TLS 1.3 connection at ' || last13 END AS reason,
  ifnull(ev.refs, '[]') AS evidence
FROM s LEFT JOIN n USING (resource) LEFT JOIN ev USING (resource)
ORDER BY s.resource
