-- view: mozilla_hsts
-- description: The check of rules/compliance/mozilla-*/11-hsts.sql for every profile of
--   mozilla_profile: profile, resource, status, reason, evidence.
CREATE TEMP VIEW mozilla_hsts AS
WITH lim AS (SELECT profile, json_extract(c, '$.hsts_min_age') AS age FROM mozilla_profile),
s AS (
  SELECT scan_id, resource,
    json_extract(result, '$.http') AS http,
    json_extract(result, '$.http.status') AS st,
    json_extract(result, '$.http.error') AS err,
    json_extract(result, '$.http.hsts') AS hsts,
    json_extract(result, '$.http.hsts.max_age') AS max_age,
    json_extract(result, '$.http.hsts.raw') AS raw
  FROM v_scan WHERE error IS NULL
)
SELECT lim.profile, resource,
  CASE WHEN http IS NULL OR st IS NULL THEN 'skip'
       WHEN hsts IS NULL OR max_age IS NULL OR max_age < lim.age THEN 'alarm'
       ELSE 'ok' END AS status,
  CASE WHEN http IS NULL
         THEN 'no HTTP response recorded (not an HTTPS endpoint to the scanner: no ALPN '
              || 'http/1.1 or h2, not a well-known HTTPS port)'
       WHEN st IS NULL THEN 'the HTTP request failed: ' || ifnull(err, 'no status')
       WHEN hsts IS NULL THEN 'no Strict-Transport-Security header (HTTP ' || st
            || '); hsts_min_age ' || lim.age
       WHEN max_age IS NULL THEN 'Strict-Transport-Security without a valid max-age: '
            || ifnull(raw, '?')
       WHEN max_age < lim.age THEN 'HSTS max-age ' || max_age || ' below hsts_min_age '
            || lim.age
       ELSE 'HSTS max-age ' || max_age || ' >= hsts_min_age ' || lim.age END AS reason,
  json_array('scan:' || scan_id) AS evidence
FROM s, lim
