-- id: rogue-cert/new-issuer
-- title: A new issuer for a server whose certificates always came from the same issuer
-- severity: medium
-- requirements: rogue-cert:R6
-- remediation: Confirm the change with the server's operator (a planned CA migration: triage
--   it as acknowledged) or find what answered these clients with a certificate of another CA.
-- description: Per server (IP, port, SNI). An issuer is the issuer DN with the
--   authorityKeyIdentifier (a second CA with the same name but another key is another issuer).
--   For each issuer seen on the wire (leaves of TLS 1.2 and below, with facts), its history is
--   the issuers of the scanned leaves (every chain of the successful scans that finished before
--   that issuer's first sighting on the wire) and of the wire leaves of that server before that
--   sighting. Alarm when the issuer is not in a history of exactly one issuer (a stable server);
--   info when the history already holds several issuers (a rotating server: the model judges
--   those); skip when there is no history (nothing before the first sighting).
WITH conn AS MATERIALIZED (
  SELECT id, resource, ts, server_ip, server_port, sni, leaf,
         issuer || ' (key id ' || ifnull(aki, 'none') || ')' AS ikey
  FROM rc_conn WHERE cert IS NOT NULL),
iss AS MATERIALIZED (
  SELECT resource, server_ip, server_port, sni, ikey, min(ts) AS first, count(*) AS n FROM conn
  GROUP BY resource, server_ip, server_port, sni, ikey),
hist AS MATERIALIZED (
  SELECT i.resource, i.ikey AS new_ikey, vc.issuer || ' (key id '
           || ifnull(json_extract(vc.facts, '$.authority_key_id'), 'none') || ')' AS ikey,
         'scan:' || a.scan_id AS ref
  FROM iss i JOIN v_scan_all a ON a.ip = i.server_ip AND a.port = i.server_port AND a.sni IS i.sni
    AND a.error IS NULL AND a.finished < i.first
  JOIN scan_certs sc ON sc.scan_id = a.scan_id AND sc.depth = 0
  JOIN v_cert vc ON vc.sha256 = sc.cert_sha256
  UNION
  SELECT i.resource, i.ikey, e.ikey, NULL FROM iss i JOIN iss e
    ON e.server_ip = i.server_ip AND e.server_port = i.server_port AND e.sni IS i.sni AND e.first < i.first),
hj AS MATERIALIZED (
  SELECT resource, new_ikey, count(DISTINCT ikey) AS n_hist, group_concat(DISTINCT ikey) AS hist_list,
         max(ikey = new_ikey) AS known
  FROM (SELECT resource, new_ikey, ikey FROM hist ORDER BY resource, new_ikey, ikey)
  GROUP BY resource, new_ikey),
v AS MATERIALIZED (
  SELECT i.*, ifnull(h.n_hist, 0) AS n_hist, h.hist_list,
         CASE WHEN h.n_hist IS NULL OR h.n_hist = 0 THEN NULL WHEN h.known THEN 0
              WHEN h.n_hist = 1 THEN 1 ELSE 2 END AS bad
  FROM iss i LEFT JOIN hj h ON h.resource = i.resource AND h.new_ikey = i.ikey),
r AS MATERIALIZED (
  SELECT resource, sum(bad = 1) AS n_alarm, sum(bad = 2) AS n_info, sum(bad > 0) AS n_bad,
         count(bad) AS n_judged, group_concat(DISTINCT ikey) AS ikeys
  FROM (SELECT * FROM v ORDER BY resource, ikey) GROUP BY resource),
lst AS (
  SELECT resource, group_concat(x, '; ') AS x FROM (
    SELECT resource, x FROM (
      SELECT resource, first, ikey, 'new issuer ' || ikey || ' since ' || first
               || ' on ' || n || ' connections; before: ' || hist_list AS x,
             row_number() OVER (PARTITION BY resource ORDER BY first, ikey) AS rn
      FROM v WHERE bad > 0)
    WHERE rn <= 3 ORDER BY resource, first, ikey)
  GROUP BY resource),
ev AS (
  SELECT resource, json_group_array(ref) AS refs FROM (
    SELECT DISTINCT resource, k, n, ref FROM (
      SELECT c.resource, 1 AS k, c.id AS n, 'connection:' || c.id AS ref FROM conn c JOIN v b
        ON b.resource = c.resource AND b.ikey = c.ikey AND b.bad > 0
      UNION ALL SELECT h.resource, 0, CAST(substr(h.ref, 6) AS INTEGER), h.ref FROM hist h
        WHERE h.ref IS NOT NULL AND h.new_ikey IS NOT NULL
      UNION ALL SELECT c.resource, 2, 0, 'cert:' || c.leaf FROM conn c JOIN v b
        ON b.resource = c.resource AND b.ikey = c.ikey AND b.bad > 0)
    ORDER BY resource, k, n, ref)
  GROUP BY resource)
SELECT r.resource AS resource,
  CASE WHEN r.n_alarm > 0 THEN 'alarm' WHEN r.n_info > 0 THEN 'info'
       WHEN r.n_judged > 0 THEN 'ok' ELSE 'skip' END AS status,
  CASE WHEN r.n_bad > 0 THEN lst.x
       WHEN r.n_judged > 0 THEN 'every issuer on the wire was already the server''s: ' || r.ikeys
       ELSE 'no history before the first certificate seen on the wire (no earlier scan or connection): '
         || r.ikeys END AS reason,
  ifnull(ev.refs, '[]') AS evidence
FROM r LEFT JOIN lst USING (resource) LEFT JOIN ev USING (resource)
ORDER BY r.resource
