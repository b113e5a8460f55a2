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
WITH s AS (
  SELECT c.resource, c.server_ip, c.server_port, c.sni, max(c.ts) AS last13, count(*) AS n13,
         (SELECT max(a.finished) FROM v_scan_all a WHERE a.ip = c.server_ip AND a.port = c.server_port
            AND a.sni IS c.sni AND a.error IS NULL) AS last_scan,
         (SELECT max(a.scan_id) FROM v_scan_all a WHERE a.ip = c.server_ip AND a.port = c.server_port
            AND a.sni IS c.sni AND a.error IS NULL) AS scan_id
  FROM v_conn c WHERE c.version = 'TLSv1.3'
  GROUP BY c.resource, c.server_ip, c.server_port, c.sni)
SELECT s.resource AS resource,
  CASE WHEN last_scan IS NULL OR last_scan < last13 THEN 'info' ELSE 'ok' END AS status,
  CASE WHEN last_scan IS NULL THEN n13 || ' TLS 1.3 connections (certificate hidden), the latest at ' || last13
         || ', and no successful scan of this server: scan it'
       WHEN last_scan < last13 THEN
         (SELECT count(*) FROM v_conn c WHERE c.resource = s.resource AND c.version = 'TLSv1.3' AND c.ts > s.last_scan)
         || ' TLS 1.3 connections (certificate hidden) since the latest scan ' || scan_id || ' finished at '
         || last_scan || ', the latest at ' || last13 || ': re-scan'
       ELSE 'the latest scan ' || scan_id || ' finished at ' || last_scan || ', after the latest TLS 1.3 connection at ' || last13 END AS reason,
  (SELECT json_group_array(ref) FROM (SELECT ref FROM (
      SELECT 0 AS k, s.scan_id AS n, 'scan:' || s.scan_id AS ref WHERE s.scan_id IS NOT NULL
      UNION SELECT * FROM (SELECT 1, c.id, 'connection:' || c.id FROM v_conn c
        WHERE c.resource = s.resource AND c.version = 'TLSv1.3' AND (s.last_scan IS NULL OR c.ts > s.last_scan)
        ORDER BY c.ts DESC LIMIT 20))
     ORDER BY k, n)) AS evidence
FROM s ORDER BY s.resource
