-- view: mozilla_suites
-- description: The check of rules/compliance/mozilla-*/03-suites.sql for every profile of
--   mozilla_profile: profile, resource, status, reason, evidence.
CREATE TEMP VIEW mozilla_suites AS
WITH cfg AS (SELECT profile, c FROM mozilla_profile),
allowed AS (SELECT cfg.profile, value AS cipher FROM cfg, json_each(cfg.c, '$.ciphers.iana')),
s AS (SELECT scan_id, resource FROM v_scan WHERE error IS NULL),
per AS (
  SELECT cfg.profile, s.*,
    (SELECT count(*) FROM v_scan_cipher c
      WHERE c.scan_id = s.scan_id AND c.version <> 'TLSv1.3') AS n_accepted,
    (SELECT group_concat(cipher || ' (' || vers || ')', ', ') FROM
       (SELECT cipher, group_concat(version, '/') AS vers FROM
          (SELECT cipher, version FROM v_scan_cipher c
            WHERE c.scan_id = s.scan_id AND c.version <> 'TLSv1.3'
              AND c.cipher NOT IN (SELECT a.cipher FROM allowed a WHERE a.profile = cfg.profile)
            ORDER BY cipher, version)
        GROUP BY cipher ORDER BY cipher)) AS bad,
    (SELECT group_concat(version, ', ') FROM v_scan_protocol p
      WHERE p.scan_id = s.scan_id AND p.version <> 'TLSv1.3' AND p.supported IS NULL) AS unknown
  FROM cfg, s
),
list AS (
  SELECT profile,
    (SELECT CASE count(*) WHEN 0 THEN 'empty' ELSE count(*) || ' suites' END
     FROM json_each(cfg.c, '$.ciphers.iana')) AS l
  FROM cfg
)
SELECT per.profile, resource,
  CASE WHEN bad IS NOT NULL THEN 'alarm' WHEN unknown IS NOT NULL THEN 'skip'
       ELSE 'ok' END AS status,
  CASE WHEN bad IS NOT NULL
         THEN 'accepts suites not in the profile''s ciphers.iana (' || list.l || '): ' || bad
       WHEN unknown IS NOT NULL
         THEN 'not determined whether ' || unknown || ' is accepted (its suites are unknown)'
       WHEN n_accepted = 0 THEN 'accepts no suite on TLS 1.2 or older'
       ELSE 'all ' || n_accepted || ' (version, suite) pairs accepted on TLS 1.2 or older are in '
            || 'the profile''s ciphers.iana' END AS reason,
  json_array('scan:' || scan_id) AS evidence
FROM per JOIN list ON list.profile = per.profile
