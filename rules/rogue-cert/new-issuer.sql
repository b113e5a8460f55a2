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
WITH conn AS (
  SELECT c.id, c.resource, c.ts, c.server_ip, c.server_port, c.sni, c.server_cert_sha256 AS leaf,
         vc.issuer || ' (key id ' || ifnull(json_extract(vc.facts, '$.authority_key_id'), 'none') || ')' AS ikey
  FROM v_conn c JOIN v_cert vc ON vc.sha256 = c.server_cert_sha256),
iss AS (
  SELECT resource, server_ip, server_port, sni, ikey, min(ts) AS first FROM conn
  GROUP BY resource, server_ip, server_port, sni, ikey),
hist AS (
  SELECT i.resource, i.ikey AS new_ikey, vc.issuer || ' (key id '
           || ifnull(json_extract(vc.facts, '$.authority_key_id'), 'none') || ')' AS ikey,
         'scan:' || a.scan_id AS ref
  FROM iss i JOIN v_scan_all a ON a.ip = i.server_ip AND a.port = i.server_port AND a.sni IS i.sni
    AND a.error IS NULL AND a.finished < i.first
  JOIN scan_certs sc ON sc.scan_id = a.scan_id AND sc.depth = 0
  JOIN v_cert vc ON vc.sha256 = sc.cert_sha256
  UNION
  SELECT i.resource, i.ikey, c.ikey, NULL FROM iss i JOIN conn c
    ON c.server_ip = i.server_ip AND c.server_port = i.server_port AND c.sni IS i.sni AND c.ts < i.first),
judged AS (
  SELECT i.*, (SELECT count(DISTINCT h.ikey) FROM hist h WHERE h.resource = i.resource AND h.new_ikey = i.ikey) AS n_hist,
         (SELECT group_concat(DISTINCT h.ikey) FROM hist h WHERE h.resource = i.resource AND h.new_ikey = i.ikey) AS hist_list,
         EXISTS (SELECT 1 FROM hist h WHERE h.resource = i.resource AND h.new_ikey = i.ikey AND h.ikey = i.ikey) AS known
  FROM iss i),
v AS (
  SELECT *, CASE WHEN n_hist = 0 THEN NULL WHEN known THEN 0 WHEN n_hist = 1 THEN 1 ELSE 2 END AS bad FROM judged)
SELECT v.resource AS resource,
  CASE WHEN sum(bad = 1) > 0 THEN 'alarm' WHEN sum(bad = 2) > 0 THEN 'info'
       WHEN count(bad) > 0 THEN 'ok' ELSE 'skip' END AS status,
  CASE WHEN sum(bad > 0) > 0 THEN
         (SELECT group_concat(x, '; ') FROM (SELECT 'new issuer ' || b.ikey || ' since ' || b.first
             || ' on ' || (SELECT count(*) FROM conn c WHERE c.resource = b.resource AND c.ikey = b.ikey)
             || ' connections; before: ' || b.hist_list AS x
           FROM v b WHERE b.resource = v.resource AND b.bad > 0 ORDER BY b.first LIMIT 3))
       WHEN count(bad) > 0 THEN 'every issuer on the wire was already the server''s: ' || group_concat(DISTINCT ikey)
       ELSE 'no history before the first certificate seen on the wire (no earlier scan or connection): '
         || group_concat(DISTINCT ikey) END AS reason,
  (SELECT json_group_array(ref) FROM (SELECT ref FROM (
      SELECT 1 AS k, c.id AS n, 'connection:' || c.id AS ref FROM conn c JOIN v b
        ON b.resource = c.resource AND b.ikey = c.ikey AND b.bad > 0 WHERE c.resource = v.resource
      UNION SELECT 0, CAST(substr(h.ref, 6) AS INTEGER), h.ref FROM hist h JOIN v b
        ON b.resource = h.resource AND b.ikey = h.new_ikey WHERE h.resource = v.resource AND h.ref IS NOT NULL
      UNION SELECT 2, 0, 'cert:' || c.leaf FROM conn c JOIN v b
        ON b.resource = c.resource AND b.ikey = c.ikey AND b.bad > 0 WHERE c.resource = v.resource)
     ORDER BY k, n, ref)) AS evidence
FROM v GROUP BY v.resource ORDER BY v.resource
