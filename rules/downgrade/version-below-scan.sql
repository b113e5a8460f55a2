-- id: downgrade/version-below-scan
-- title: A handshake negotiated a version below the best one the scan proved, while the client offered it
-- severity: high
-- requirements: downgrade:D1
-- remediation: Find what answered these clients below the proven version: a backend or
--   load-balancer member with another configuration, a TLS-terminating middlebox, or an
--   active downgrade; re-scan every backend of the address.
-- description: Per server (IP, port, SNI): each handshake is compared with the reference
--   scan of that server, the latest finished scan that ended before the handshake (the first
--   scan after it when none did). The client's best offered version is JA4's version field
--   (characters 2-3 of connections.ja4: the highest non-GREASE supported_versions value,
--   else the ClientHello legacy_version; FoxIO JA4 spec). Alarm when the negotiated version
--   is below the scan's best supported version and the client offered at least that version.
--   Skip for servers without a successful scan, or without a handshake whose offered and
--   negotiated versions are both known.
WITH ver(name, rank, ja4) AS (VALUES ('SSLv2', 2, 's2'), ('SSLv3', 3, 's3'),
       ('TLSv1.0', 10, '10'), ('TLSv1.1', 11, '11'), ('TLSv1.2', 12, '12'), ('TLSv1.3', 13, '13')),
best AS (
  SELECT a.scan_id, max(ver.rank) AS rank
  FROM v_scan_all a, json_each(a.result, '$.protocols') p JOIN ver ON ver.name = p.key
  WHERE a.error IS NULL AND p.value = 1 GROUP BY a.scan_id),
conn AS (
  SELECT c.id, c.resource, c.client_ip, c.client_port, c.version,
         (SELECT rank FROM ver WHERE ver.name = c.version) AS got,
         (SELECT rank FROM ver WHERE ver.ja4 = substr(c.ja4, 2, 2)) AS offered,
         coalesce((SELECT max(a.scan_id) FROM v_scan_all a
                   WHERE a.ip = c.server_ip AND a.port = c.server_port AND a.sni IS c.sni
                     AND a.error IS NULL AND a.finished <= c.ts),
                  (SELECT min(a.scan_id) FROM v_scan_all a
                   WHERE a.ip = c.server_ip AND a.port = c.server_port AND a.sni IS c.sni
                     AND a.error IS NULL)) AS scan_id
  FROM v_conn c),
j AS (
  SELECT conn.*, best.rank AS best,
         (SELECT name FROM ver WHERE ver.rank = best.rank) AS best_name,
         CASE WHEN best.rank IS NULL OR got IS NULL OR offered IS NULL THEN NULL
              WHEN got < best.rank AND offered >= best.rank THEN 1 ELSE 0 END AS bad
  FROM conn LEFT JOIN best ON best.scan_id = conn.scan_id),
ev AS (
  SELECT resource, 1 AS k, id AS n, 'connection:' || id AS ref FROM j WHERE bad = 1
  UNION SELECT resource, 0, scan_id, 'scan:' || scan_id FROM j WHERE bad = 1
  UNION SELECT resource, 0, scan_id, 'scan:' || scan_id FROM j
   WHERE bad = 0 AND resource NOT IN (SELECT resource FROM j WHERE bad = 1))
SELECT j.resource AS resource,
  CASE WHEN count(j.scan_id) = 0 THEN 'skip'
       WHEN sum(j.bad) > 0 THEN 'alarm'
       WHEN count(j.bad) > 0 THEN 'ok' ELSE 'skip' END AS status,
  CASE WHEN count(j.scan_id) = 0 THEN
         'no successful scan of this server: ' || count(*) || ' handshakes not judged'
       WHEN sum(j.bad) > 0 THEN
         sum(j.bad) || ' of ' || count(j.bad) || ' handshakes negotiated below the version the scan proved while the client offered it: '
         || (SELECT group_concat(x, '; ') FROM (SELECT 'connection ' || b.id || ' (' || b.client_ip || ':' || b.client_port
               || ') ' || b.version || ', client offered ' || (SELECT name FROM ver WHERE ver.rank = b.offered)
               || ', scan ' || b.scan_id || ' proved ' || b.best_name AS x
             FROM j b WHERE b.resource = j.resource AND b.bad = 1 ORDER BY b.id LIMIT 5))
         || CASE WHEN sum(j.bad) > 5 THEN '; ...' ELSE '' END
       WHEN count(j.bad) > 0 THEN
         count(j.bad) || ' handshakes at or above the best version the scan proved (' || max(j.best_name)
         || '), or the client did not offer it'
       ELSE 'no handshake with both the offered (JA4) and the negotiated version known, or the scan proved no version' END AS reason,
  (SELECT json_group_array(ref) FROM (SELECT ref FROM ev WHERE ev.resource = j.resource ORDER BY k, n)) AS evidence
FROM j GROUP BY j.resource ORDER BY j.resource
