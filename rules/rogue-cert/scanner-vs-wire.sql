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
WITH pairs AS (
  SELECT c.id, a.scan_id, abs(julianday(a.finished) - julianday(c.ts)) AS d
  FROM v_conn c JOIN v_scan_all a ON a.ip = c.server_ip AND a.port = c.server_port AND a.sni IS c.sni
  WHERE c.server_cert_sha256 IS NOT NULL AND a.error IS NULL
    AND abs(julianday(a.finished) - julianday(c.ts)) <= 1.0
    AND EXISTS (SELECT 1 FROM scan_certs sc WHERE sc.scan_id = a.scan_id AND sc.depth = 0)),
nearest AS (
  SELECT id, scan_id FROM (SELECT id, scan_id,
    row_number() OVER (PARTITION BY id ORDER BY d, scan_id DESC) AS rn FROM pairs) WHERE rn = 1),
conn AS (
  SELECT c.id, c.resource, c.ts, c.client_ip, c.client_port, c.server_cert_sha256 AS leaf, n.scan_id
  FROM v_conn c LEFT JOIN nearest n ON n.id = c.id WHERE c.server_cert_sha256 IS NOT NULL),
v AS (
  SELECT conn.*,
         CASE WHEN scan_id IS NULL THEN NULL
              WHEN EXISTS (SELECT 1 FROM scan_certs sc WHERE sc.scan_id = conn.scan_id AND sc.depth = 0
                             AND sc.cert_sha256 = conn.leaf) THEN 0 ELSE 1 END AS bad,
         (SELECT group_concat(DISTINCT sc.cert_sha256) FROM scan_certs sc
           WHERE sc.scan_id = conn.scan_id AND sc.depth = 0) AS scanned
  FROM conn)
SELECT v.resource AS resource,
  CASE WHEN sum(bad) > 0 THEN 'alarm' WHEN count(bad) > 0 THEN 'ok' ELSE 'skip' END AS status,
  CASE WHEN sum(bad) > 0 THEN sum(bad) || ' of ' || count(bad) || ' connections got another leaf than the scanner: '
         || (SELECT group_concat(x, '; ') FROM (SELECT 'wire ' || b.leaf || ' on ' || count(*) || ' connections from '
               || min(b.ts) || ', scan ' || b.scan_id || ' got ' || b.scanned AS x
             FROM v b WHERE b.resource = v.resource AND b.bad = 1 GROUP BY b.leaf, b.scan_id ORDER BY min(b.ts) LIMIT 3))
       WHEN count(bad) > 0 THEN count(bad) || ' connections, each with a leaf the nearest scan also got'
       ELSE count(*) || ' connections with a leaf, no successful scan of this server within 24 hours of them' END AS reason,
  (SELECT json_group_array(ref) FROM (SELECT ref FROM (
      SELECT 1 AS k, b.id AS n, 'connection:' || b.id AS ref FROM v b WHERE b.resource = v.resource AND b.bad = 1
      UNION SELECT 0, b.scan_id, 'scan:' || b.scan_id FROM v b WHERE b.resource = v.resource AND b.scan_id IS NOT NULL
        AND (b.bad = 1 OR NOT EXISTS (SELECT 1 FROM v x WHERE x.resource = v.resource AND x.bad = 1))
      UNION SELECT 2, 0, 'cert:' || b.leaf FROM v b WHERE b.resource = v.resource AND b.bad = 1
      UNION SELECT 2, 1, 'cert:' || sc.cert_sha256 FROM v b JOIN scan_certs sc ON sc.scan_id = b.scan_id AND sc.depth = 0
        WHERE b.resource = v.resource AND b.bad = 1)
     ORDER BY k, n, ref)) AS evidence
FROM v GROUP BY v.resource ORDER BY v.resource
