-- id: rogue-cert/chain-unvalidated
-- title: A certificate chain on the wire that does not validate or whose issuer the scans never validated
-- severity: high
-- requirements: rogue-cert:R3
-- remediation: A self-signed leaf or one from an issuer the server's validated chains do not
--   show is what an interception proxy or a rogue server presents: find what answered. A
--   known leaf whose scanned chain failed verification needs a correct chain on the server.
-- description: Per server (IP, port, SNI), each leaf seen on the wire (TLS 1.2 and below, with
--   its facts) is judged from what the scans of that server validated (OpenSSL against the
--   scan's trust anchors; the analyzer does not re-verify signatures): a leaf that is the leaf
--   of a scanned chain takes that chain's verdict (trusted: ok; not trusted: alarm, severity
--   medium, with the scan's verify_error); any other leaf is an alarm when it is self-signed,
--   or when its issuer key (issuer DN and authorityKeyIdentifier) is neither the issuer key of
--   a trusted scanned leaf nor the (subject DN, subjectKeyIdentifier) of a CA certificate in a
--   trusted scanned chain of the server. Skip when no scan of the server has a trusted chain
--   (only self-signed leaves are judged then), or no leaf was seen on the wire.
WITH conn AS MATERIALIZED (
  SELECT id, resource, ts, server_ip, server_port, sni, leaf, issuer, self_signed, aki
  FROM rc_conn WHERE cert IS NOT NULL),
chains AS MATERIALIZED (SELECT * FROM rc_chain),
issuers AS MATERIALIZED (
  SELECT t.ip, t.port, t.sni, vc.issuer AS dn, json_extract(vc.facts, '$.authority_key_id') AS kid
  FROM chains t JOIN v_cert vc ON vc.sha256 = t.leaf WHERE t.trusted = 1
  UNION
  SELECT t.ip, t.port, t.sni, vc.subject, json_extract(vc.facts, '$.subject_key_id')
  FROM chains t JOIN scan_certs sc ON sc.scan_id = t.scan_id AND sc.chain = t.chain AND sc.depth >= 1
  JOIN v_cert vc ON vc.sha256 = sc.cert_sha256 WHERE t.trusted = 1),
trusting AS MATERIALIZED (SELECT DISTINCT ip, port, sni FROM issuers),
latest AS MATERIALIZED (
  SELECT ip, port, sni, leaf, scan_id, trusted, verify_error FROM (
    SELECT t.*, row_number() OVER (PARTITION BY ip, port, sni, leaf ORDER BY scan_id DESC, chain) AS rn
    FROM chains t WHERE leaf IS NOT NULL)
  WHERE rn = 1),
j AS MATERIALIZED (
  SELECT conn.*, l.scan_id, l.trusted AS scanned_trusted, l.verify_error,
    EXISTS (SELECT 1 FROM trusting i WHERE i.ip = conn.server_ip AND i.port = conn.server_port
       AND i.sni IS conn.sni) AS have_trusted,
    EXISTS (SELECT 1 FROM issuers i WHERE i.ip = conn.server_ip AND i.port = conn.server_port
       AND i.sni IS conn.sni AND i.dn = conn.issuer AND i.kid IS conn.aki) AS issuer_known
  FROM conn LEFT JOIN latest l ON l.ip = conn.server_ip AND l.port = conn.server_port
    AND l.sni IS conn.sni AND l.leaf = conn.leaf),
v AS MATERIALIZED (
  SELECT j.*,
    CASE WHEN scan_id IS NOT NULL THEN CASE WHEN scanned_trusted = 1 THEN 0 ELSE 2 END
         WHEN self_signed = 1 THEN 1
         WHEN NOT have_trusted THEN NULL
         WHEN issuer_known THEN 0 ELSE 1 END AS bad,
    CASE WHEN scan_id IS NOT NULL THEN 'scanned chain not trusted: ' || ifnull(verify_error, '?') || ' (scan ' || scan_id || ')'
         WHEN self_signed = 1 THEN 'self-signed'
         ELSE 'issuer ' || ifnull(issuer, '?') || ' key id ' || ifnull(aki, 'none') || ' not in any trusted scanned chain' END AS why
  FROM j),
bad AS MATERIALIZED (
  SELECT resource, leaf, min(why) AS why, count(*) AS n, min(ts) AS first, min(bad) AS kind
  FROM v WHERE bad > 0 GROUP BY resource, leaf),
r AS MATERIALIZED (
  SELECT resource, count(*) AS n, sum(bad > 0) AS n_bad, count(bad) AS n_judged, sum(bad = 1) AS n_one
  FROM v GROUP BY resource),
lst AS (
  SELECT resource, group_concat(x, '; ') AS x FROM (
    SELECT resource, x FROM (
      SELECT resource, first, leaf, 'leaf ' || leaf || ' on ' || n || ' connections since '
               || first || ': ' || why AS x,
             row_number() OVER (PARTITION BY resource ORDER BY first, leaf) AS rn
      FROM bad)
    WHERE rn <= 3 ORDER BY resource, first, leaf)
  GROUP BY resource),
ev AS (
  SELECT resource, json_group_array(ref) AS refs FROM (
    SELECT DISTINCT resource, k, n, ref FROM (
      SELECT resource, 1 AS k, id AS n, 'connection:' || id AS ref FROM v WHERE bad > 0
      UNION ALL SELECT a.resource, 0, a.scan_id, 'scan:' || a.scan_id FROM v_scan_all a
        WHERE a.error IS NULL AND a.resource IN (SELECT resource FROM r)
      UNION ALL SELECT resource, 2, 0, 'cert:' || leaf FROM bad)
    ORDER BY resource, k, n, ref)
  GROUP BY resource)
SELECT r.resource AS resource,
  CASE WHEN r.n_bad > 0 THEN 'alarm' WHEN r.n_judged > 0 THEN 'ok' ELSE 'skip' END AS status,
  CASE WHEN r.n_bad > 0 THEN lst.x
       WHEN r.n_judged > 0 THEN r.n_judged || ' connections, every leaf a trusted scanned leaf or issued by a CA of a trusted scanned chain'
       ELSE r.n || ' connections with a leaf, no scan of this server has a trusted chain: issuers not judged' END AS reason,
  ifnull(ev.refs, '[]') AS evidence,
  CASE WHEN r.n_bad > 0 AND r.n_one = 0 THEN 'medium' END AS severity
FROM r LEFT JOIN lst USING (resource) LEFT JOIN ev USING (resource)
UNION ALL
SELECT c.resource, 'skip', count(*) || ' connections with a leaf whose certificate facts are not stored (no DER): not judged', '[]', NULL
FROM v_conn c WHERE c.server_cert_sha256 IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM certificates x WHERE x.sha256 = c.server_cert_sha256)
  AND c.resource NOT IN (SELECT resource FROM conn)
GROUP BY c.resource
ORDER BY 1
