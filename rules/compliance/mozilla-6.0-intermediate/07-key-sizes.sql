-- id: mozilla-6.0-intermediate/07-key-sizes
-- title: Leaf ECDSA curves and RSA sizes are those of Mozilla 6.0 intermediate
-- severity: medium
-- requirements: mozilla-6.0-intermediate:MOZ60-INTERMEDIATE-07
-- remediation: Use an ECDSA key on a curve of the profile's certificate_curves, an RSA key of at
--   least rsa_key_size bits (data/mozilla-server-side-tls-6.0.json).
-- description: Every ECDSA leaf is on a curve of configurations.intermediate.certificate_curves
--   (OpenSSL names mapped through ref_group_alias) and every RSA leaf has at least rsa_key_size
--   bits, both from mozilla-server-side-tls-6.0.json (ref_doc 'mozilla-6.0'). rsa_key_size null
--   (modern): RSA leaves are left to the certificate_types rule. Other key types (EdDSA) are not
--   covered by these two fields: skip when no ECDSA or RSA leaf exists.
WITH cfg AS (
  SELECT json_extract(doc, '$.configurations.intermediate') AS c
  FROM ref_doc WHERE name = 'mozilla-6.0'
),
s AS (SELECT scan_id, resource FROM v_scan WHERE error IS NULL),
leaf AS (
  SELECT DISTINCT scan_id, sha256, key_type, key_bits, curve, sig_alg, validity_days,
         n_ocsp_urls, must_staple
  FROM v_scan_cert WHERE depth = 0 AND scan_id IN (SELECT scan_id FROM s)
),
curves AS (
  SELECT coalesce(a.name, j.value) AS curve
  FROM cfg, json_each(cfg.c, '$.certificate_curves') j
  LEFT JOIN ref_group_alias a ON a.alias = j.value
),
rsa AS (SELECT json_extract(c, '$.rsa_key_size') AS bits FROM cfg),
judged AS (
  SELECT l.*,
    CASE WHEN l.key_type = 'ECDSA' THEN ifnull(l.curve, '?') NOT IN (SELECT curve FROM curves)
         WHEN l.key_type IN ('RSA', 'RSA-PSS') THEN
           CASE WHEN rsa.bits IS NULL THEN 0 ELSE ifnull(l.key_bits, 0) < rsa.bits END
         END AS bad,
    l.key_type || ' ' || CASE WHEN l.key_type = 'ECDSA' THEN ifnull(l.curve, 'unnamed curve')
                              ELSE ifnull(l.key_bits, '?') || ' bits' END
      || ' (cert ' || substr(l.sha256, 1, 16) || ')' AS what
  FROM leaf l, rsa
),
per AS (
  SELECT s.*,
    (SELECT group_concat(what, ', ') FROM
       (SELECT what FROM judged j WHERE j.scan_id = s.scan_id ORDER BY sha256)) AS leaves,
    (SELECT group_concat(what, ', ') FROM
       (SELECT what FROM judged j WHERE j.scan_id = s.scan_id AND bad = 1 ORDER BY sha256)) AS bads,
    (SELECT count(*) FROM judged j WHERE j.scan_id = s.scan_id AND bad IS NOT NULL) AS n_judged
  FROM s
),
want AS (
  SELECT 'certificate_curves ' || (SELECT group_concat(value, ', ')
                                    FROM json_each(c, '$.certificate_curves'))
         || '; rsa_key_size ' || ifnull(json_extract(c, '$.rsa_key_size'), 'null') AS l
  FROM cfg
)
SELECT resource,
  CASE WHEN leaves IS NULL OR n_judged = 0 THEN 'skip' WHEN bads IS NOT NULL THEN 'alarm'
       ELSE 'ok' END AS status,
  CASE WHEN leaves IS NULL THEN 'no leaf certificate was recorded (no full handshake succeeded)'
       WHEN n_judged = 0 THEN 'no ECDSA or RSA leaf to judge: ' || leaves
       WHEN bads IS NOT NULL THEN 'leaves outside the profile (' || want.l || '): ' || bads
       ELSE 'leaves ' || leaves || ' meet the profile (' || want.l || ')' END AS reason,
  (SELECT json_group_array(ref) FROM
     (SELECT 'scan:' || per.scan_id AS ref
      UNION ALL SELECT * FROM (SELECT 'cert:' || sha256 FROM leaf l
                               WHERE l.scan_id = per.scan_id ORDER BY sha256))) AS evidence
FROM per, want
