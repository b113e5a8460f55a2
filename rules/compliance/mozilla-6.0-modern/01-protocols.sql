-- id: mozilla-6.0-modern/01-protocols
-- title: Only the Mozilla 6.0 modern protocol versions are accepted
-- severity: high
-- requirements: mozilla-6.0-modern:MOZ60-MODERN-01
-- remediation: Accept only the versions of the profile's tls_versions
--   (data/mozilla-server-side-tls-6.0.json).
-- description: Every version the scan proved accepted must be in configurations.modern.tls_versions
--   of the Mozilla guidelines (mozilla-server-side-tls-6.0.json, read from ref_doc 'mozilla-6.0';
--   the guidelines' "TLSv1" is our "TLSv1.0"). A version outside the list whose probe was
--   inconclusive makes the rule skip.
WITH cfg AS (
  SELECT json_extract(doc, '$.configurations.modern') AS c
  FROM ref_doc WHERE name = 'mozilla-6.0'
),
allowed AS (
  SELECT CASE value WHEN 'TLSv1' THEN 'TLSv1.0' ELSE value END AS version
  FROM cfg, json_each(cfg.c, '$.tls_versions')
),
p AS (
  SELECT scan_id, resource, version, supported,
         version IN (SELECT version FROM allowed) AS in_profile
  FROM v_scan_protocol
),
per AS (
  SELECT scan_id, resource,
    (SELECT group_concat(version, ', ') FROM p q
      WHERE q.scan_id = p.scan_id AND q.supported = 1) AS accepted,
    (SELECT group_concat(version, ', ') FROM p q
      WHERE q.scan_id = p.scan_id AND q.supported = 1 AND NOT q.in_profile) AS bad,
    (SELECT group_concat(version, ', ') FROM p q
      WHERE q.scan_id = p.scan_id AND q.supported IS NULL AND NOT q.in_profile) AS unknown
  FROM p GROUP BY scan_id, resource
),
list AS (
  SELECT group_concat(value, ', ') AS l FROM cfg, json_each(cfg.c, '$.tls_versions')
)
SELECT resource,
  CASE WHEN bad IS NOT NULL THEN 'alarm' WHEN unknown IS NOT NULL THEN 'skip'
       ELSE 'ok' END AS status,
  CASE WHEN bad IS NOT NULL
         THEN 'accepts ' || bad || ', not in the profile''s tls_versions (' || list.l || ')'
       WHEN unknown IS NOT NULL
         THEN 'not determined whether ' || unknown || ' (outside tls_versions: ' || list.l
              || ') is accepted; accepted: ' || ifnull(accepted, 'none')
       ELSE 'accepts ' || ifnull(accepted, 'no version') || ': all in the profile''s tls_versions ('
            || list.l || ')' END AS reason,
  json_array('scan:' || scan_id) AS evidence
FROM per, list
