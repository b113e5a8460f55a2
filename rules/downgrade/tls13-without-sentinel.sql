-- id: downgrade/tls13-without-sentinel
-- title: TLS 1.3 proven by the scan, offered by the client, TLS 1.2 or lower negotiated without the sentinel
-- severity: high
-- requirements: downgrade:D2b
-- remediation: A TLS 1.3 server always sets the RFC 8446 sentinel when it negotiates a lower
--   version; without it, what answered is not the server the scan saw with TLS 1.3 (a
--   TLS-terminating middlebox, a backend without TLS 1.3, an interception proxy). Find it.
-- description: Per server (IP, port, SNI) against the reference scan (the latest that ended
--   before the handshake, else the first after): the scan proved TLSv1.3, the client's best
--   offered version (JA4's version field) is 1.3, the negotiated version is 1.2 or lower and
--   ServerHello.random carries no RFC 8446 §4.1.3 sentinel (connections.downgrade_sentinel
--   NULL). Skip for servers without a successful scan or whose scan did not prove TLS 1.3.
WITH c AS MATERIALIZED (SELECT * FROM dg_conn),
s AS MATERIALIZED (SELECT scan_id, has13 FROM dg_scan WHERE scan_id IN (SELECT scan_id FROM c)),
j AS MATERIALIZED (
  SELECT c.id, c.resource, c.client_ip, c.client_port, c.version, c.scan_id, s.has13,
         CASE WHEN s.has13 = 1 AND c.offered = 13 AND c.got <= 12
               AND c.downgrade_sentinel IS NULL THEN 1 ELSE 0 END AS bad
  FROM c LEFT JOIN s ON s.scan_id = c.scan_id),
r AS MATERIALIZED (
  SELECT resource, count(*) AS n, count(scan_id) AS n_scan, sum(bad) AS n_bad, sum(has13 = 1) AS n_13
  FROM j GROUP BY resource),
lst AS (
  SELECT resource, group_concat(x, '; ') AS x FROM (
    SELECT resource, x FROM (
      SELECT resource, id, 'connection ' || id || ' (' || client_ip || ':'
               || client_port || ') ' || version || ', scan ' || scan_id AS x,
             row_number() OVER (PARTITION BY resource ORDER BY id) AS rn
      FROM j WHERE bad = 1)
    WHERE rn <= 5 ORDER BY resource, id)
  GROUP BY resource),
ev AS (
  SELECT resource, json_group_array(ref) AS refs FROM (
    SELECT DISTINCT resource, k, n, ref FROM (
      SELECT j.resource, 0 AS k, j.scan_id AS n, 'scan:' || j.scan_id AS ref FROM j JOIN r USING (resource)
       WHERE j.scan_id IS NOT NULL AND (j.bad = 1 OR r.n_bad = 0)
      UNION ALL SELECT resource, 1, id, 'connection:' || id FROM j WHERE bad = 1)
    ORDER BY resource, k, n)
  GROUP BY resource)
SELECT r.resource AS resource,
  CASE WHEN r.n_scan = 0 THEN 'skip'
       WHEN r.n_bad > 0 THEN 'alarm'
       WHEN r.n_13 = 0 THEN 'skip' ELSE 'ok' END AS status,
  CASE WHEN r.n_scan = 0 THEN 'no successful scan of this server: ' || r.n || ' handshakes not judged'
       WHEN r.n_bad > 0 THEN
         r.n_bad || ' handshakes below TLSv1.3 without the sentinel, the client offering TLSv1.3 and the scan having proved it: '
         || lst.x || CASE WHEN r.n_bad > 5 THEN '; ...' ELSE '' END
       WHEN r.n_13 = 0 THEN 'the reference scans did not prove TLSv1.3'
       ELSE r.n_13 || ' handshakes judged against scans that proved TLSv1.3: none below it without the sentinel while the client offered it' END AS reason,
  ifnull(ev.refs, '[]') AS evidence
FROM r LEFT JOIN lst USING (resource) LEFT JOIN ev USING (resource)
ORDER BY r.resource
