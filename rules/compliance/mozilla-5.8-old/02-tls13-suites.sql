-- id: mozilla-5.8-old/02-tls13-suites
-- title: TLS 1.3 cipher suites are those of Mozilla 5.8 old (legacy)
-- severity: high
-- requirements: mozilla-5.8-old:MOZ58-OLD-02
-- remediation: Accept only the TLS 1.3 suites of the profile's ciphersuites
--   (data/mozilla-server-side-tls-5.8.json).
-- description: Every TLS 1.3 suite the scan proved accepted must be in
--   configurations.old.ciphersuites of mozilla-server-side-tls-5.8.json (ref_doc 'mozilla-5.8').
WITH cfg AS (
  SELECT json_extract(doc, '$.configurations.old') AS c
  FROM ref_doc WHERE name = 'mozilla-5.8'
),
allowed AS (SELECT value AS cipher FROM cfg, json_each(cfg.c, '$.ciphersuites')),
s AS (
  SELECT scan_id, resource, json_extract(result, '$.protocols."TLSv1.3"') AS v13
  FROM v_scan WHERE error IS NULL
),
per AS (
  SELECT s.*,
    (SELECT group_concat(cipher, ', ') FROM v_scan_cipher c
      WHERE c.scan_id = s.scan_id AND c.version = 'TLSv1.3') AS accepted,
    (SELECT group_concat(cipher, ', ') FROM v_scan_cipher c
      WHERE c.scan_id = s.scan_id AND c.version = 'TLSv1.3'
        AND c.cipher NOT IN (SELECT cipher FROM allowed)) AS bad
  FROM s
),
list AS (
  SELECT group_concat(value, ', ') AS l FROM cfg, json_each(cfg.c, '$.ciphersuites')
)
SELECT resource,
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
FROM per, list
