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
WITH conn AS (
  SELECT c.id, c.resource, c.ts, c.client_ip, c.client_port, c.server_ip, c.server_port, c.sni,
         c.server_cert_sha256 AS leaf, vc.subject, vc.issuer, vc.self_signed,
         json_extract(vc.facts, '$.authority_key_id') AS aki
  FROM v_conn c JOIN v_cert vc ON vc.sha256 = c.server_cert_sha256),
chains AS (
  SELECT a.ip, a.port, a.sni, a.scan_id, CAST(ch.key AS INTEGER) AS chain,
         json_extract(ch.value, '$.leaf_sha256') AS leaf, json_extract(ch.value, '$.trusted') AS trusted,
         json_extract(ch.value, '$.verify_error') AS verify_error
  FROM v_scan_all a, json_each(a.result, '$.chains') ch WHERE a.error IS NULL),
issuers AS (
  SELECT t.ip, t.port, t.sni, vc.issuer AS dn, json_extract(vc.facts, '$.authority_key_id') AS kid
  FROM chains t JOIN v_cert vc ON vc.sha256 = t.leaf WHERE t.trusted = 1
  UNION
  SELECT t.ip, t.port, t.sni, vc.subject, json_extract(vc.facts, '$.subject_key_id')
  FROM chains t JOIN scan_certs sc ON sc.scan_id = t.scan_id AND sc.chain = t.chain AND sc.depth >= 1
  JOIN v_cert vc ON vc.sha256 = sc.cert_sha256 WHERE t.trusted = 1),
j AS (
  SELECT conn.*,
    (SELECT t.scan_id FROM chains t WHERE t.ip = conn.server_ip AND t.port = conn.server_port
       AND t.sni IS conn.sni AND t.leaf = conn.leaf ORDER BY t.scan_id DESC LIMIT 1) AS scan_id,
    (SELECT t.trusted FROM chains t WHERE t.ip = conn.server_ip AND t.port = conn.server_port
       AND t.sni IS conn.sni AND t.leaf = conn.leaf ORDER BY t.scan_id DESC LIMIT 1) AS scanned_trusted,
    (SELECT t.verify_error FROM chains t WHERE t.ip = conn.server_ip AND t.port = conn.server_port
       AND t.sni IS conn.sni AND t.leaf = conn.leaf ORDER BY t.scan_id DESC LIMIT 1) AS verify_error,
    EXISTS (SELECT 1 FROM issuers i WHERE i.ip = conn.server_ip AND i.port = conn.server_port
       AND i.sni IS conn.sni) AS have_trusted,
    EXISTS (SELECT 1 FROM issuers i WHERE i.ip = conn.server_ip AND i.port = conn.server_port
       AND i.sni IS conn.sni AND i.dn = conn.issuer AND i.kid IS conn.aki) AS issuer_known
  FROM conn),
v AS (
  SELECT j.*,
    CASE WHEN scan_id IS NOT NULL THEN CASE WHEN scanned_trusted = 1 THEN 0 ELSE 2 END
         WHEN self_signed = 1 THEN 1
         WHEN NOT have_trusted THEN NULL
         WHEN issuer_known THEN 0 ELSE 1 END AS bad,
    CASE WHEN scan_id IS NOT NULL THEN 'scanned chain not trusted: ' || ifnull(verify_error, '?') || ' (scan ' || scan_id || ')'
         WHEN self_signed = 1 THEN 'self-signed'
         ELSE 'issuer ' || ifnull(issuer, '?') || ' key id ' || ifnull(aki, 'none') || ' not in any trusted scanned chain' END AS why
  FROM j),
bad AS (SELECT resource, leaf, min(why) AS why, count(*) AS n, min(ts) AS first, min(bad) AS kind
        FROM v WHERE bad > 0 GROUP BY resource, leaf)
SELECT v.resource AS resource,
  CASE WHEN sum(bad > 0) > 0 THEN 'alarm' WHEN count(bad) > 0 THEN 'ok' ELSE 'skip' END AS status,
  CASE WHEN sum(bad > 0) > 0 THEN
         (SELECT group_concat(x, '; ') FROM (SELECT 'leaf ' || b.leaf || ' on ' || b.n || ' connections since '
             || b.first || ': ' || b.why AS x FROM bad b WHERE b.resource = v.resource ORDER BY b.first LIMIT 3))
       WHEN count(bad) > 0 THEN count(bad) || ' connections, every leaf a trusted scanned leaf or issued by a CA of a trusted scanned chain'
       ELSE count(*) || ' connections with a leaf, no scan of this server has a trusted chain: issuers not judged' END AS reason,
  (SELECT json_group_array(ref) FROM (SELECT ref FROM (
      SELECT 1 AS k, b.id AS n, 'connection:' || b.id AS ref FROM v b WHERE b.resource = v.resource AND b.bad > 0
      UNION SELECT 0, a.scan_id, 'scan:' || a.scan_id FROM v_scan_all a WHERE a.resource = v.resource AND a.error IS NULL
      UNION SELECT 2, 0, 'cert:' || b.leaf FROM bad b WHERE b.resource = v.resource)
     ORDER BY k, n, ref)) AS evidence,
  CASE WHEN sum(bad > 0) > 0 AND sum(bad = 1) = 0 THEN 'medium' END AS severity
FROM v GROUP BY v.resource
UNION ALL
SELECT c.resource, 'skip', count(*) || ' connections with a leaf whose certificate facts are not stored (no DER): not judged', '[]', NULL
FROM v_conn c WHERE c.server_cert_sha256 IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM certificates x WHERE x.sha256 = c.server_cert_sha256)
  AND c.resource NOT IN (SELECT resource FROM conn)
GROUP BY c.resource
ORDER BY 1
