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
WITH ver(name, rank) AS (VALUES ('SSLv2', 2), ('SSLv3', 3),
       ('TLSv1.0', 10), ('TLSv1.1', 11), ('TLSv1.2', 12), ('TLSv1.3', 13)),
best AS (
  SELECT a.scan_id, max(ver.rank) AS rank
  FROM v_scan_all a, json_each(a.result, '$.protocols') p JOIN ver ON ver.name = p.key
  WHERE a.error IS NULL AND p.value = 1 GROUP BY a.scan_id),
conn AS (
  SELECT c.id, c.resource, c.client_ip, c.client_port, c.version, c.fallback_scsv,
         (SELECT rank FROM ver WHERE ver.name = c.version) AS got,
         coalesce((SELECT max(a.scan_id) FROM v_scan_all a
                   WHERE a.ip = c.server_ip AND a.port = c.server_port AND a.sni IS c.sni
                     AND a.error IS NULL AND a.finished <= c.ts),
                  (SELECT min(a.scan_id) FROM v_scan_all a
                   WHERE a.ip = c.server_ip AND a.port = c.server_port AND a.sni IS c.sni
                     AND a.error IS NULL)) AS scan_id
  FROM v_conn c),
j AS (
  SELECT conn.*, best.rank AS best, (SELECT name FROM ver WHERE ver.rank = best.rank) AS best_name,
         CASE WHEN fallback_scsv = 1 AND got IS NOT NULL AND got < best.rank THEN 1 ELSE 0 END AS bad
  FROM conn LEFT JOIN best ON best.scan_id = conn.scan_id)
SELECT j.resource AS resource,
  CASE WHEN count(best) = 0 THEN 'skip' WHEN sum(bad) > 0 THEN 'alarm' ELSE 'ok' END AS status,
  CASE WHEN count(best) = 0 THEN 'no successful scan of this server: ' || count(*) || ' handshakes, '
         || sum(fallback_scsv) || ' with TLS_FALLBACK_SCSV, not judged'
       WHEN sum(bad) > 0 THEN
         sum(bad) || ' fallback handshakes completed below the version the scan proved: '
         || (SELECT group_concat(x, '; ') FROM (SELECT 'connection ' || b.id || ' (' || b.client_ip || ':'
               || b.client_port || ') ' || b.version || ' with TLS_FALLBACK_SCSV, scan ' || b.scan_id
               || ' proved ' || b.best_name AS x
             FROM j b WHERE b.resource = j.resource AND b.bad = 1 ORDER BY b.id LIMIT 5))
         || CASE WHEN sum(bad) > 5 THEN '; ...' ELSE '' END
       ELSE count(best) || ' handshakes judged, ' || sum(fallback_scsv)
         || ' with TLS_FALLBACK_SCSV: none completed below the version the scan proved' END AS reason,
  (SELECT json_group_array(ref) FROM (
     SELECT ref FROM (SELECT 0 AS k, b.scan_id AS n, 'scan:' || b.scan_id AS ref FROM j b
                      WHERE b.resource = j.resource AND b.best IS NOT NULL
                        AND (b.bad = 1 OR NOT EXISTS (SELECT 1 FROM j x WHERE x.resource = j.resource AND x.bad = 1))
                      UNION SELECT 1, b.id, 'connection:' || b.id FROM j b WHERE b.resource = j.resource AND b.bad = 1)
     ORDER BY k, n)) AS evidence,
  CASE WHEN EXISTS (SELECT 1 FROM j b WHERE b.resource = j.resource AND b.bad = 1
                    GROUP BY b.client_ip HAVING count(*) > 1) THEN 'high' END AS severity
FROM j GROUP BY j.resource ORDER BY j.resource
