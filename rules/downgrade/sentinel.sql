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
WITH ver(name, rank, ja4) AS (VALUES ('SSLv2', 2, 's2'), ('SSLv3', 3, 's3'),
       ('TLSv1.0', 10, '10'), ('TLSv1.1', 11, '11'), ('TLSv1.2', 12, '12'), ('TLSv1.3', 13, '13')),
j AS (
  SELECT c.id, c.resource, c.client_ip, c.client_port, c.version, c.downgrade_sentinel,
         (SELECT name FROM ver WHERE ver.ja4 = substr(c.ja4, 2, 2)) AS offered_name,
         CASE WHEN c.downgrade_sentinel IS NOT NULL
               AND (SELECT rank FROM ver WHERE ver.ja4 = substr(c.ja4, 2, 2))
                   > (SELECT rank FROM ver WHERE ver.name = c.version) THEN 1 ELSE 0 END AS bad,
         EXISTS (SELECT 1 FROM json_each(c.alerts) a
                 WHERE json_extract(a.value, '$.from') = 'client'
                   AND json_extract(a.value, '$.level') = 2) AS aborted
  FROM v_conn c)
SELECT j.resource AS resource,
  CASE WHEN sum(bad) > 0 THEN 'alarm' ELSE 'ok' END AS status,
  CASE WHEN sum(bad) > 0 THEN
         sum(bad) || ' handshakes with the downgrade sentinel while the client offered more: '
         || (SELECT group_concat(x, '; ') FROM (SELECT 'connection ' || b.id || ' (' || b.client_ip || ':'
               || b.client_port || ') offered ' || b.offered_name || ', negotiated ' || b.version
               || ', sentinel ' || b.downgrade_sentinel
               || CASE WHEN b.aborted THEN ', client aborted' ELSE ', client went on' END AS x
             FROM j b WHERE b.resource = j.resource AND b.bad = 1 ORDER BY b.id LIMIT 5))
         || CASE WHEN sum(bad) > 5 THEN '; ...' ELSE '' END
       ELSE count(*) || ' handshakes, ' || sum(downgrade_sentinel IS NOT NULL)
         || ' with the sentinel, each to a client whose best version was the negotiated one' END AS reason,
  CASE WHEN sum(bad) > 0 THEN
    (SELECT json_group_array('connection:' || b.id) FROM (SELECT id FROM j b
      WHERE b.resource = j.resource AND b.bad = 1 ORDER BY b.id) b)
  ELSE '[]' END AS evidence,
  CASE WHEN sum(bad) > 0 AND sum(bad AND NOT aborted) = 0 THEN 'high' END AS severity
FROM j GROUP BY j.resource ORDER BY j.resource
