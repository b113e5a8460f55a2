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
WITH conn AS MATERIALIZED (
  SELECT c.id, c.resource, c.ts, c.server_ip, c.server_port, c.sni, c.leaf, c.subject, c.issuer,
         c.spki_sha256, c.not_before, ifnull(c.sni, c.server_ip) AS name,
         (SELECT min(a.started) FROM v_scan_all a WHERE a.ip = c.server_ip AND a.port = c.server_port
            AND a.sni IS c.sni AND a.error IS NULL) AS first_scan
  FROM rc_conn c),
names AS MATERIALIZED (
  SELECT DISTINCT name, lower(name) AS lname,
         CASE WHEN instr(name, '.') > 1 THEN lower(substr(name, instr(name, '.'))) END AS wkey
  FROM conn),
inv AS MATERIALIZED (
  SELECT n.name, i.cert_sha256, i.spki_sha256, i.issuer
  FROM names n JOIN inventory i ON lower(i.name) = n.lname
  UNION ALL
  SELECT n.name, i.cert_sha256, i.spki_sha256, i.issuer
  FROM names n JOIN inventory i ON i.name LIKE '*.%' AND lower(substr(i.name, 2)) = n.wkey),
scanned AS MATERIALIZED (
  SELECT DISTINCT a.ip, a.port, a.sni, sc.cert_sha256 AS leaf
  FROM v_scan_all a JOIN scan_certs sc ON sc.scan_id = a.scan_id
  WHERE a.error IS NULL AND sc.depth = 0),
pins AS MATERIALIZED (
  SELECT DISTINCT a.ip, a.port, a.sni, p.value AS spki
  FROM v_scan_all a, json_each(a.result, '$.pins.matched') p),
pinned AS MATERIALIZED (
  SELECT DISTINCT c.id FROM conn c JOIN conn_certs cc ON cc.conn_id = c.id
  JOIN v_cert pc ON pc.sha256 = cc.cert_sha256
  JOIN pins p ON p.ip = c.server_ip AND p.port = c.server_port AND p.sni IS c.sni
    AND p.spki = pc.spki_sha256),
hist AS MATERIALIZED (
  SELECT server_ip, server_port, sni, server_cert_sha256 AS leaf, min(ts) AS first
  FROM connections WHERE server_cert_sha256 IS NOT NULL
  GROUP BY server_ip, server_port, sni, server_cert_sha256),
j AS MATERIALIZED (
  SELECT conn.*,
    CASE WHEN leaf IS NULL THEN NULL
         WHEN first_scan IS NULL AND NOT EXISTS (SELECT 1 FROM inv WHERE inv.name = conn.name) THEN NULL
         WHEN EXISTS (SELECT 1 FROM scanned s WHERE s.ip = conn.server_ip AND s.port = conn.server_port
                        AND s.sni IS conn.sni AND s.leaf = conn.leaf) THEN 0
         WHEN EXISTS (SELECT 1 FROM inv WHERE inv.name = conn.name
                        AND (inv.cert_sha256 = conn.leaf OR inv.spki_sha256 = conn.spki_sha256
                             OR (inv.cert_sha256 IS NULL AND inv.spki_sha256 IS NULL
                                 AND inv.issuer = conn.issuer))) THEN 0
         WHEN conn.id IN (SELECT id FROM pinned) THEN 0
         WHEN EXISTS (SELECT 1 FROM hist h WHERE h.server_ip = conn.server_ip
                        AND h.server_port = conn.server_port AND h.sni IS conn.sni
                        AND h.leaf = conn.leaf AND h.first < conn.first_scan) THEN 0
         ELSE 1 END AS bad
  FROM conn),
leaves AS MATERIALIZED (
  SELECT resource, leaf, subject, issuer, min(ts) AS first, count(*) AS n,
         julianday(min(ts)) - julianday(not_before) < 2 AS fresh
  FROM j WHERE bad = 1 GROUP BY resource, leaf),
r AS MATERIALIZED (
  SELECT resource, count(*) AS n, sum(bad) AS n_bad, count(bad) AS n_judged, count(leaf) AS n_leaf,
         max(name) AS name
  FROM j GROUP BY resource),
lv AS (
  SELECT resource, count(*) AS n, max(fresh) AS fresh, group_concat(x, '; ') FILTER (WHERE rn <= 3) AS x
  FROM (SELECT resource, first, leaf, fresh,
               leaf || ' (subject ' || ifnull(subject, '?') || ', issuer '
                 || ifnull(issuer, '?') || ') on ' || n || ' connections since ' || first
                 || CASE WHEN fresh THEN ', notBefore under 48 h before' ELSE '' END AS x,
               row_number() OVER (PARTITION BY resource ORDER BY first, leaf) AS rn
        FROM leaves ORDER BY resource, first, leaf)
  GROUP BY resource),
known AS (
  SELECT resource, group_concat(leaf) AS x
  FROM (SELECT resource, leaf, min(id) AS m FROM j WHERE bad = 0 GROUP BY resource, leaf
        ORDER BY resource, m)
  GROUP BY resource),
ev AS (
  SELECT resource, json_group_array(ref) AS refs FROM (
    SELECT DISTINCT resource, k, n, ref FROM (
      SELECT resource, 1 AS k, id AS n, 'connection:' || id AS ref FROM j WHERE bad = 1
      UNION ALL SELECT a.resource, 0, a.scan_id, 'scan:' || a.scan_id FROM v_scan_all a
        WHERE a.error IS NULL AND a.resource IN (SELECT resource FROM r WHERE n_judged > 0)
      UNION ALL SELECT resource, 2, 0, 'cert:' || leaf FROM leaves
      UNION ALL SELECT j.resource, 2, 1, 'cert:' || j.leaf FROM j JOIN r USING (resource)
        WHERE j.bad = 0 AND ifnull(r.n_bad, 0) = 0)
    ORDER BY resource, k, n, ref)
  GROUP BY resource)
SELECT r.resource AS resource,
  CASE WHEN r.n_bad > 0 THEN 'alarm' WHEN r.n_judged > 0 THEN 'ok' ELSE 'skip' END AS status,
  CASE WHEN r.n_bad > 0 THEN
         lv.n || ' unknown leaf certificate(s) on the wire (not in the scans, inventory, pins or history before the first scan): '
         || lv.x
       WHEN r.n_judged > 0 THEN r.n_judged || ' connections with a leaf on the wire, every leaf known: '
         || known.x
       WHEN r.n_leaf = 0 THEN r.n || ' connections, no leaf certificate on the wire (TLS 1.3 hides it)'
       ELSE 'no successful scan of this server and no inventory row for ' || r.name || ': '
         || r.n_leaf || ' connections with a leaf not judged' END AS reason,
  ifnull(ev.refs, '[]') AS evidence,
  CASE WHEN lv.fresh THEN 'critical' END AS severity
FROM r LEFT JOIN lv USING (resource) LEFT JOIN known USING (resource) LEFT JOIN ev USING (resource)
ORDER BY r.resource
