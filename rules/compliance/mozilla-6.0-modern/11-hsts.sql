-- id: mozilla-6.0-modern/11-hsts
-- title: HSTS max-age meets Mozilla 6.0 modern
-- severity: low
-- requirements: mozilla-6.0-modern:MOZ60-MODERN-11
-- remediation: Send Strict-Transport-Security: max-age=<at least hsts_min_age> on every HTTPS
--   response (data/mozilla-server-side-tls-6.0.json).
-- description: configurations.modern.hsts_min_age of mozilla-server-side-tls-6.0.json (ref_doc
--   'mozilla-6.0') against the max-age of the Strict-Transport-Security header of the response to
--   the scanner's GET / (HTTPS endpoints only: ALPN http/1.1 or h2, or a well-known HTTPS port).
--   Skip when no HTTP response was recorded.
WITH cfg AS (
  SELECT json_extract(doc, '$.configurations.modern') AS c
  FROM ref_doc WHERE name = 'mozilla-6.0'
),
lim AS (SELECT json_extract(c, '$.hsts_min_age') AS age FROM cfg),
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
SELECT resource,
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
