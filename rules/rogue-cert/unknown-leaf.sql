-- id: rogue-cert/unknown-leaf
-- title: A leaf certificate on the wire that the scans, the inventory, the pins and the server's history do not know
-- severity: high
-- requirements: rogue-cert:R1, rogue-cert:R8
-- remediation: Find out who holds this certificate's key and what answered these clients:
--   an interception proxy, a rogue or misconfigured backend, a mis-issued certificate. If it
--   is legitimate, add it to the inventory (tlsscope inventory import) and re-scan.
-- description: Per server (IP, port, SNI), each leaf seen on the wire (connections.server_cert_sha256,
--   TLS 1.2 and below) is known when it is: the leaf of a chain in any successful scan of that
--   server (scan_certs depth 0, every chain of v_scan_all); in the inventory for the SNI (the
--   server's IP without SNI; "*.example.com" matches one label) by certificate hash, SPKI, or an
--   issuer-only row; under a pin (a chain certificate's SPKI is one of the scans' $.pins.matched:
--   only pins that matched a scanned chain are stored); or in the server's wire history, a leaf
--   seen on the wire before the server's first scan (what it served before scanning began, which
--   also covers renewals). Alarm for the others, with every connection that carried them;
--   severity critical when the leaf's notBefore is less than 48 hours before its first sighting
--   (R8: a freshly issued unknown certificate). Skip when the server has neither a successful scan
--   nor an inventory row for its name, or no leaf was seen on the wire (TLS 1.3 hides it).
WITH conn AS (
  SELECT c.id, c.resource, c.ts, c.client_ip, c.client_port, c.server_ip, c.server_port, c.sni,
         c.server_cert_sha256 AS leaf, vc.subject, vc.issuer, vc.spki_sha256, vc.not_before,
         ifnull(c.sni, c.server_ip) AS name,
         (SELECT min(a.started) FROM v_scan_all a WHERE a.ip = c.server_ip AND a.port = c.server_port
            AND a.sni IS c.sni AND a.error IS NULL) AS first_scan
  FROM v_conn c LEFT JOIN v_cert vc ON vc.sha256 = c.server_cert_sha256),
inv AS (
  SELECT conn.id, i.* FROM conn JOIN inventory i
  ON lower(i.name) = lower(conn.name)
     OR (i.name LIKE '*.%' AND length(conn.name) > length(i.name) - 1
         AND lower(substr(conn.name, length(conn.name) - length(i.name) + 2)) = lower(substr(i.name, 2))
         AND instr(substr(conn.name, 1, length(conn.name) - length(i.name) + 1), '.') = 0)),
j AS (
  SELECT conn.*,
    CASE WHEN leaf IS NULL THEN NULL
         WHEN first_scan IS NULL AND NOT EXISTS (SELECT 1 FROM inv WHERE inv.id = conn.id) THEN NULL
         WHEN EXISTS (SELECT 1 FROM v_scan_all a JOIN scan_certs sc ON sc.scan_id = a.scan_id
                      WHERE a.ip = conn.server_ip AND a.port = conn.server_port AND a.sni IS conn.sni
                        AND a.error IS NULL AND sc.depth = 0 AND sc.cert_sha256 = conn.leaf) THEN 0
         WHEN EXISTS (SELECT 1 FROM inv WHERE inv.id = conn.id
                        AND (inv.cert_sha256 = conn.leaf OR inv.spki_sha256 = conn.spki_sha256
                             OR (inv.cert_sha256 IS NULL AND inv.spki_sha256 IS NULL
                                 AND inv.issuer = conn.issuer))) THEN 0
         WHEN EXISTS (SELECT 1 FROM conn_certs cc JOIN v_cert pc ON pc.sha256 = cc.cert_sha256,
                             v_scan_all a, json_each(a.result, '$.pins.matched') p
                      WHERE cc.conn_id = conn.id AND a.ip = conn.server_ip AND a.port = conn.server_port
                        AND a.sni IS conn.sni AND p.value = pc.spki_sha256) THEN 0
         WHEN EXISTS (SELECT 1 FROM connections h WHERE h.server_ip = conn.server_ip
                        AND h.server_port = conn.server_port AND h.sni IS conn.sni
                        AND h.server_cert_sha256 = conn.leaf AND h.ts < conn.first_scan) THEN 0
         ELSE 1 END AS bad
  FROM conn),
leaves AS (
  SELECT resource, leaf, subject, issuer, min(ts) AS first, count(*) AS n,
         julianday(min(ts)) - julianday(not_before) < 2 AS fresh
  FROM j WHERE bad = 1 GROUP BY resource, leaf)
SELECT j.resource AS resource,
  CASE WHEN sum(bad) > 0 THEN 'alarm' WHEN count(bad) > 0 THEN 'ok' ELSE 'skip' END AS status,
  CASE WHEN sum(bad) > 0 THEN
         (SELECT count(*) FROM leaves l WHERE l.resource = j.resource)
         || ' unknown leaf certificate(s) on the wire (not in the scans, inventory, pins or history before the first scan): '
         || (SELECT group_concat(x, '; ') FROM (SELECT l.leaf || ' (subject ' || ifnull(l.subject, '?') || ', issuer '
               || ifnull(l.issuer, '?') || ') on ' || l.n || ' connections since ' || l.first
               || CASE WHEN l.fresh THEN ', notBefore under 48 h before' ELSE '' END AS x
             FROM leaves l WHERE l.resource = j.resource ORDER BY l.first LIMIT 3))
       WHEN count(bad) > 0 THEN count(bad) || ' connections with a leaf on the wire, every leaf known: '
         || (SELECT group_concat(DISTINCT b.leaf) FROM j b WHERE b.resource = j.resource AND b.bad = 0)
       WHEN count(leaf) = 0 THEN count(*) || ' connections, no leaf certificate on the wire (TLS 1.3 hides it)'
       ELSE 'no successful scan of this server and no inventory row for ' || max(name) || ': '
         || count(leaf) || ' connections with a leaf not judged' END AS reason,
  (SELECT json_group_array(ref) FROM (SELECT ref FROM (
      SELECT 1 AS k, b.id AS n, 'connection:' || b.id AS ref FROM j b WHERE b.resource = j.resource AND b.bad = 1
      UNION SELECT 0, a.scan_id, 'scan:' || a.scan_id FROM v_scan_all a
        WHERE a.resource = j.resource AND a.error IS NULL AND EXISTS (SELECT 1 FROM j b WHERE b.resource = j.resource AND b.bad IS NOT NULL)
      UNION SELECT 2, 0, 'cert:' || l.leaf FROM leaves l WHERE l.resource = j.resource
      UNION SELECT 2, 1, 'cert:' || b.leaf FROM j b WHERE b.resource = j.resource AND b.bad = 0
        AND NOT EXISTS (SELECT 1 FROM leaves l WHERE l.resource = j.resource))
     ORDER BY k, n, ref)) AS evidence,
  CASE WHEN EXISTS (SELECT 1 FROM leaves l WHERE l.resource = j.resource AND l.fresh) THEN 'critical' END AS severity
FROM j GROUP BY j.resource ORDER BY j.resource
