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
WITH ver(name, rank, ja4) AS (VALUES ('SSLv2', 2, 's2'), ('SSLv3', 3, 's3'),
       ('TLSv1.0', 10, '10'), ('TLSv1.1', 11, '11'), ('TLSv1.2', 12, '12'), ('TLSv1.3', 13, '13')),
conn AS (
  SELECT c.id, c.resource, c.client_ip, c.client_port, c.version, c.downgrade_sentinel,
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
  SELECT conn.*,
         json_extract(a.result, '$.protocols."TLSv1.3"') AS has13,
         CASE WHEN json_extract(a.result, '$.protocols."TLSv1.3"') = 1 AND offered = 13 AND got <= 12
               AND downgrade_sentinel IS NULL THEN 1 ELSE 0 END AS bad
  FROM conn LEFT JOIN v_scan_all a ON a.scan_id = conn.scan_id)
SELECT j.resource AS resource,
  CASE WHEN count(scan_id) = 0 THEN 'skip'
       WHEN sum(bad) > 0 THEN 'alarm'
       WHEN sum(has13 = 1) = 0 THEN 'skip' ELSE 'ok' END AS status,
  CASE WHEN count(scan_id) = 0 THEN 'no successful scan of this server: ' || count(*) || ' handshakes not judged'
       WHEN sum(bad) > 0 THEN
         sum(bad) || ' handshakes below TLSv1.3 without the sentinel, the client offering TLSv1.3 and the scan having proved it: '
         || (SELECT group_concat(x, '; ') FROM (SELECT 'connection ' || b.id || ' (' || b.client_ip || ':'
               || b.client_port || ') ' || b.version || ', scan ' || b.scan_id AS x
             FROM j b WHERE b.resource = j.resource AND b.bad = 1 ORDER BY b.id LIMIT 5))
         || CASE WHEN sum(bad) > 5 THEN '; ...' ELSE '' END
       WHEN sum(has13 = 1) = 0 THEN 'the reference scans did not prove TLSv1.3'
       ELSE sum(has13 = 1) || ' handshakes judged against scans that proved TLSv1.3: none below it without the sentinel while the client offered it' END AS reason,
  (SELECT json_group_array(ref) FROM (
     SELECT ref FROM (SELECT 0 AS k, b.scan_id AS n, 'scan:' || b.scan_id AS ref FROM j b
                      WHERE b.resource = j.resource AND b.scan_id IS NOT NULL
                        AND (b.bad = 1 OR NOT EXISTS (SELECT 1 FROM j x WHERE x.resource = j.resource AND x.bad = 1))
                      UNION SELECT 1, b.id, 'connection:' || b.id FROM j b WHERE b.resource = j.resource AND b.bad = 1)
     ORDER BY k, n)) AS evidence
FROM j GROUP BY j.resource ORDER BY j.resource
