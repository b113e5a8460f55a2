-- id: mozilla-6.0-modern/09-lifetime
-- title: Leaf certificate lifetime is within Mozilla 6.0 modern's maximum
-- severity: medium
-- requirements: mozilla-6.0-modern:MOZ60-MODERN-09
-- remediation: Issue certificates valid for at most maximum_certificate_lifespan days
--   (data/mozilla-server-side-tls-6.0.json; recommended_certificate_lifespan is shorter still).
-- description: Every leaf's validity (notAfter - notBefore + 1 s, in days rounded up, as certinfo
--   computes validity_days) is at most configurations.modern. maximum_certificate_lifespan of
--   mozilla-server-side-tls-6.0.json (ref_doc 'mozilla-6.0').
WITH cfg AS (
  SELECT json_extract(doc, '$.configurations.modern') AS c
  FROM ref_doc WHERE name = 'mozilla-6.0'
),
s AS (SELECT scan_id, resource FROM v_scan WHERE error IS NULL),
leaf AS (
  SELECT DISTINCT scan_id, sha256, key_type, key_bits, curve, sig_alg, validity_days,
         n_ocsp_urls, must_staple
  FROM v_scan_cert WHERE depth = 0 AND scan_id IN (SELECT scan_id FROM s)
),
lim AS (SELECT json_extract(c, '$.maximum_certificate_lifespan') AS days FROM cfg),
per AS (
  SELECT s.*,
    (SELECT group_concat(ifnull(validity_days, '?') || ' days (cert ' || substr(sha256, 1, 16)
                         || ')', ', ')
       FROM (SELECT * FROM leaf l WHERE l.scan_id = s.scan_id ORDER BY sha256)) AS leaves,
    (SELECT group_concat(validity_days || ' days (cert ' || substr(sha256, 1, 16) || ')', ', ')
       FROM (SELECT * FROM leaf l, lim WHERE l.scan_id = s.scan_id
               AND l.validity_days > lim.days ORDER BY sha256)) AS bads,
    (SELECT count(*) FROM leaf l WHERE l.scan_id = s.scan_id AND validity_days IS NULL)
      AS n_unknown
  FROM s
)
SELECT resource,
  CASE WHEN leaves IS NULL THEN 'skip' WHEN bads IS NOT NULL THEN 'alarm'
       WHEN n_unknown > 0 THEN 'skip' ELSE 'ok' END AS status,
  CASE WHEN leaves IS NULL THEN 'no leaf certificate was recorded (no full handshake succeeded)'
       WHEN bads IS NOT NULL THEN 'leaf lifetime above maximum_certificate_lifespan '
            || lim.days || ' days: ' || bads
       WHEN n_unknown > 0 THEN 'a leaf has an unreadable validity: ' || leaves
       ELSE 'leaf lifetimes ' || leaves || ' within maximum_certificate_lifespan ' || lim.days
            || ' days' END AS reason,
  (SELECT json_group_array(ref) FROM
     (SELECT 'scan:' || per.scan_id AS ref
      UNION ALL SELECT * FROM (SELECT 'cert:' || sha256 FROM leaf l
                               WHERE l.scan_id = per.scan_id ORDER BY sha256))) AS evidence
FROM per, lim
