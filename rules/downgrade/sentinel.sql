-- id: downgrade/sentinel
-- title: The server signalled a downgrade (RFC 8446 sentinel) to a client that offered a higher version
-- severity: critical
-- requirements: downgrade:D2
-- remediation: Something between this client and a TLS 1.3 (or 1.2) server removed the
--   client's higher versions from the ClientHello (an active downgrade or a broken middlebox):
--   find it. A client that continues after the sentinel does not implement RFC 8446 §4.1.3.
-- description: RFC 8446 §4.1.3: a TLS 1.3 server negotiating TLS 1.2 ends ServerHello.random
--   with 44 4F 57 4E 47 52 44 01 (TLS 1.1 or below: ... 00), which the sensor stores as
--   connections.downgrade_sentinel; a TLS 1.3 client must then abort with
--   illegal_parameter, and a TLS 1.2 client that checks must abort on the TLS 1.1 one. The
--   sentinel is normal when the client's best version (JA4's version field) is the
--   negotiated one: every TLS 1.2 hello to a TLS 1.3 server gets it. Alarm when the client
--   offered more than it got: severity critical when the client sent no fatal alert (it
--   went on), high when it aborted as it must (the attempt still happened). Needs no scan;
--   status ok when handshakes were seen and none is such a case.
WITH j AS MATERIALIZED (
  SELECT c.id, c.resource, c.client_ip, c.client_port, c.version, c.downgrade_sentinel,
         CASE c.offered WHEN 2 THEN 'SSLv2' WHEN 3 THEN 'SSLv3' WHEN 10 THEN 'TLSv1.0'
              WHEN 11 THEN 'TLSv1.1' WHEN 12 THEN 'TLSv1.2' WHEN 13 THEN 'TLSv1.3' END AS offered_name,
         CASE WHEN c.downgrade_sentinel IS NOT NULL AND c.offered > c.got THEN 1 ELSE 0 END AS bad,
         EXISTS (SELECT 1 FROM json_each(c.alerts) a
                 WHERE json_extract(a.value, '$.from') = 'client'
                   AND json_extract(a.value, '$.level') = 2) AS aborted
  FROM (SELECT c.id, c.resource, c.client_ip, c.client_port, c.version, c.downgrade_sentinel,
               c.alerts, c.got, c.offered FROM dg_conn c) c),
r AS MATERIALIZED (
  SELECT resource, count(*) AS n, sum(bad) AS n_bad, sum(bad AND NOT aborted) AS n_went_on,
         sum(downgrade_sentinel IS NOT NULL) AS n_sentinel
  FROM j GROUP BY resource),
lst AS (
  SELECT resource, group_concat(x, '; ') AS x FROM (
    SELECT resource, x FROM (
      SELECT resource, id, 'connection ' || id || ' (' || client_ip || ':' || client_port
               || ') offered ' || offered_name || ', negotiated ' || version
               || ', sentinel ' || downgrade_sentinel
               || CASE WHEN aborted THEN ', client aborted' ELSE ', client went on' END AS x,
             row_number() OVER (PARTITION BY resource ORDER BY id) AS rn
      FROM j WHERE bad = 1)
    WHERE rn <= 5 ORDER BY resource, id)
  GROUP BY resource),
ev AS (
  SELECT resource, json_group_array('connection:' || id) AS refs FROM (
    SELECT resource, id FROM j WHERE bad = 1 ORDER BY resource, id)
  GROUP BY resource)
SELECT r.resource AS resource,
  CASE WHEN r.n_bad > 0 THEN 'alarm' ELSE 'ok' END AS status,
  CASE WHEN r.n_bad > 0 THEN
         r.n_bad || ' handshakes with the downgrade sentinel while the client offered more: '
         || lst.x || CASE WHEN r.n_bad > 5 THEN '; ...' ELSE '' END
       ELSE r.n || ' handshakes, ' || r.n_sentinel
         || ' with the sentinel, each to a client whose best version was the negotiated one' END AS reason,
  CASE WHEN r.n_bad > 0 THEN ev.refs ELSE '[]' END AS evidence,
  CASE WHEN r.n_bad > 0 AND r.n_went_on = 0 THEN 'high' END AS severity
FROM r LEFT JOIN lst USING (resource) LEFT JOIN ev USING (resource)
ORDER BY r.resource
