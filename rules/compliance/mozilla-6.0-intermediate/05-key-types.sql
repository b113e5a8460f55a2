-- id: mozilla-6.0-intermediate/05-key-types
-- title: A leaf certificate has a key type of Mozilla 6.0 intermediate
-- severity: medium
-- requirements: mozilla-6.0-intermediate:MOZ60-INTERMEDIATE-05
-- remediation: Deploy a certificate whose key type is in the profile's certificate_types
--   (data/mozilla-server-side-tls-6.0.json).
-- description: At least one leaf the full handshakes got (every chain: default, per key type,
--   without SNI) has a key type in configurations.intermediate.certificate_types of
--   mozilla-server-side-tls-6.0.json (ref_doc 'mozilla-6.0'), as sslyze's checker reads it for
--   multi-certificate servers.
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
types AS (SELECT value AS t FROM cfg, json_each(cfg.c, '$.certificate_types')),
per AS (
  SELECT s.*,
    (SELECT group_concat(key_type || ' (cert ' || substr(sha256, 1, 16) || ')', ', ')
       FROM (SELECT * FROM leaf l WHERE l.scan_id = s.scan_id ORDER BY sha256)) AS leaves,
    (SELECT count(*) FROM leaf l WHERE l.scan_id = s.scan_id
      AND lower(l.key_type) IN (SELECT t FROM types)) AS n_good
  FROM s
),
list AS (SELECT group_concat(t, ', ') AS l FROM types)
SELECT resource,
  CASE WHEN leaves IS NULL THEN 'skip' WHEN n_good = 0 THEN 'alarm' ELSE 'ok' END AS status,
  CASE WHEN leaves IS NULL THEN 'no leaf certificate was recorded (no full handshake succeeded)'
       WHEN n_good = 0 THEN 'no leaf has a key type of the profile''s certificate_types ('
            || list.l || '): ' || leaves
       ELSE 'leaf key types ' || leaves || '; profile certificate_types: ' || list.l END AS reason,
  (SELECT json_group_array(ref) FROM
     (SELECT 'scan:' || per.scan_id AS ref
      UNION ALL SELECT * FROM (SELECT 'cert:' || sha256 FROM leaf l
                               WHERE l.scan_id = per.scan_id ORDER BY sha256))) AS evidence
FROM per, list
