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
WITH c AS MATERIALIZED (SELECT * FROM dg_conn),
s AS MATERIALIZED (SELECT scan_id, best, best_name FROM dg_scan WHERE scan_id IN (SELECT scan_id FROM c)),
j AS MATERIALIZED (
  SELECT c.id, c.resource, c.client_ip, c.client_port, c.version, c.offered, c.scan_id,
         s.best, s.best_name,
         CASE WHEN s.best IS NULL OR c.got IS NULL OR c.offered IS NULL THEN NULL
              WHEN c.got < s.best AND c.offered >= s.best THEN 1 ELSE 0 END AS bad
  FROM c LEFT JOIN s ON s.scan_id = c.scan_id),
r AS MATERIALIZED (
  SELECT resource, count(*) AS n, count(scan_id) AS n_scan, sum(bad) AS n_bad, count(bad) AS n_judged,
         max(best_name) AS best_name
  FROM j GROUP BY resource),
lst AS (
  SELECT resource, group_concat(x, '; ') AS x FROM (
    SELECT resource, x FROM (
      SELECT resource, id, 'connection ' || id || ' (' || client_ip || ':' || client_port || ') ' || version
               || ', client offered ' || CASE offered WHEN 2 THEN 'SSLv2' WHEN 3 THEN 'SSLv3'
                    WHEN 10 THEN 'TLSv1.0' WHEN 11 THEN 'TLSv1.1' WHEN 12 THEN 'TLSv1.2'
                    WHEN 13 THEN 'TLSv1.3' END
               || ', scan ' || scan_id || ' proved ' || best_name AS x,
             row_number() OVER (PARTITION BY resource ORDER BY id) AS rn
      FROM j WHERE bad = 1)
    WHERE rn <= 5 ORDER BY resource, id)
  GROUP BY resource),
ev AS (
  SELECT resource, json_group_array(ref) AS refs FROM (
    SELECT DISTINCT resource, k, n, ref FROM (
      SELECT resource, 1 AS k, id AS n, 'connection:' || id AS ref FROM j WHERE bad = 1
      UNION ALL SELECT j.resource, 0, j.scan_id, 'scan:' || j.scan_id FROM j JOIN r USING (resource)
       WHERE j.bad = 1 OR (j.bad = 0 AND r.n_bad = 0))
    ORDER BY resource, k, n)
  GROUP BY resource)
SELECT r.resource AS resource,
  CASE WHEN r.n_scan = 0 THEN 'skip'
       WHEN r.n_bad > 0 THEN 'alarm'
       WHEN r.n_judged > 0 THEN 'ok' ELSE 'skip' END AS status,
  CASE WHEN r.n_scan = 0 THEN
         'no successful scan of this server: ' || r.n || ' handshakes not judged'
       WHEN r.n_bad > 0 THEN
         r.n_bad || ' of ' || r.n_judged || ' handshakes negotiated below the version the scan proved while the client offered it: '
         || lst.x || CASE WHEN r.n_bad > 5 THEN '; ...' ELSE '' END
       WHEN r.n_judged > 0 THEN
         r.n_judged || ' handshakes at or above the best version the scan proved (' || r.best_name
         || '), or the client did not offer it'
       ELSE 'no handshake with both the offered (JA4) and the negotiated version known, or the scan proved no version' END AS reason,
  ifnull(ev.refs, '[]') AS evidence
FROM r LEFT JOIN lst USING (resource) LEFT JOIN ev USING (resource)
ORDER BY r.resource
