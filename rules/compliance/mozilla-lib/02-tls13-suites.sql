-- view: mozilla_tls13_suites
-- description: The check of rules/compliance/mozilla-*/02-tls13-suites.sql for every profile of
--   mozilla_profile: profile, resource, status, reason, evidence.
CREATE TEMP VIEW mozilla_tls13_suites AS
WITH cfg AS (SELECT profile, c FROM mozilla_profile),
allowed AS (SELECT cfg.profile, value AS cipher FROM cfg, json_each(cfg.c, '$.ciphersuites')),
s AS (
  SELECT scan_id, resource, json_extract(result, '$.protocols."TLSv1.3"') AS v13
  FROM v_scan WHERE error IS NULL
),
per AS (
  SELECT cfg.profile, s.*,
    (SELECT group_concat(cipher, ', ') FROM v_scan_cipher c
      WHERE c.scan_id = s.scan_id AND c.version = 'TLSv1.3') AS accepted,
    (SELECT group_concat(cipher, ', ') FROM v_scan_cipher c
      WHERE c.scan_id = s.scan_id AND c.version = 'TLSv1.3'
        AND c.cipher NOT IN (SELECT a.cipher FROM allowed a WHERE a.profile = cfg.profile)) AS bad
  FROM cfg, s
),
list AS (
  SELECT profile,
    (SELECT group_concat(value, ', ') FROM json_each(cfg.c, '$.ciphersuites')) AS l
  FROM cfg
)
SELECT per.profile, resource,
  CASE WHEN bad IS NOT NULL THEN 'alarm'
       WHEN v13 IS NULL OR (v13 = 1 AND accepted IS NULL) THEN 'skip'
       ELSE 'ok' END AS status,
  CASE WHEN bad IS NOT NULL
         THEN 'accepts TLS 1.3 suites not in the profile''s ciphersuites (' || list.l || '): '
              || bad
       WHEN v13 IS NULL THEN 'TLS 1.3 support was not determined by the scan'
       WHEN v13 = 1 AND accepted IS NULL
         THEN 'TLS 1.3 is accepted but no TLS 1.3 suite was enumerated'
       WHEN v13 = 0 THEN 'TLS 1.3 is not accepted: no TLS 1.3 suite to judge'
       ELSE 'TLS 1.3 suites ' || accepted || ': all in the profile''s ciphersuites' END AS reason,
  json_array('scan:' || scan_id) AS evidence
FROM per JOIN list ON list.profile = per.profile
