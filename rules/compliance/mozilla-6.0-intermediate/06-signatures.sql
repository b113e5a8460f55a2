-- id: mozilla-6.0-intermediate/06-signatures
-- title: A leaf certificate is signed with an algorithm of Mozilla 6.0 intermediate
-- severity: medium
-- requirements: mozilla-6.0-intermediate:MOZ60-INTERMEDIATE-06
-- remediation: Deploy a certificate signed with an algorithm of the profile's
--   certificate_signatures (data/mozilla-server-side-tls-6.0.json).
-- description: At least one leaf the full handshakes got has its signature algorithm (OpenSSL's
--   long name) in configurations.intermediate.certificate_signatures of
--   mozilla-server-side-tls-6.0.json (ref_doc 'mozilla-6.0').
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
sigs AS (SELECT value AS a FROM cfg, json_each(cfg.c, '$.certificate_signatures')),
per AS (
  SELECT s.*,
    (SELECT group_concat(ifnull(sig_alg, '?') || ' (cert ' || substr(sha256, 1, 16) || ')', ', ')
       FROM (SELECT * FROM leaf l WHERE l.scan_id = s.scan_id ORDER BY sha256)) AS leaves,
    (SELECT count(*) FROM leaf l WHERE l.scan_id = s.scan_id
      AND l.sig_alg IN (SELECT a FROM sigs)) AS n_good
  FROM s
),
list AS (SELECT group_concat(a, ', ') AS l FROM sigs)
SELECT resource,
  CASE WHEN leaves IS NULL THEN 'skip' WHEN n_good = 0 THEN 'alarm' ELSE 'ok' END AS status,
  CASE WHEN leaves IS NULL THEN 'no leaf certificate was recorded (no full handshake succeeded)'
       WHEN n_good = 0 THEN 'no leaf is signed with one of the profile''s certificate_signatures ('
            || list.l || '): ' || leaves
       ELSE 'leaf signatures ' || leaves || '; profile certificate_signatures: ' || list.l
  END AS reason,
  (SELECT json_group_array(ref) FROM
     (SELECT 'scan:' || per.scan_id AS ref
      UNION ALL SELECT * FROM (SELECT 'cert:' || sha256 FROM leaf l
                               WHERE l.scan_id = per.scan_id ORDER BY sha256))) AS evidence
FROM per, list
