-- view: mozilla_protocols
-- description: The check of rules/compliance/mozilla-*/01-protocols.sql for every profile of
--   mozilla_profile: profile, resource, status, reason, evidence.
CREATE TEMP VIEW mozilla_protocols AS
WITH cfg AS (SELECT profile, c FROM mozilla_profile),
allowed AS (
  SELECT cfg.profile, CASE value WHEN 'TLSv1' THEN 'TLSv1.0' ELSE value END AS version
  FROM cfg, json_each(cfg.c, '$.tls_versions')
),
p AS (
  SELECT cfg.profile, scan_id, resource, version, supported,
         version IN (SELECT a.version FROM allowed a WHERE a.profile = cfg.profile) AS in_profile
  FROM cfg, v_scan_protocol
),
per AS (
  SELECT profile, scan_id, resource,
    (SELECT group_concat(version, ', ') FROM p q
      WHERE q.profile = p.profile AND q.scan_id = p.scan_id AND q.supported = 1) AS accepted,
    (SELECT group_concat(version, ', ') FROM p q
      WHERE q.profile = p.profile AND q.scan_id = p.scan_id AND q.supported = 1
        AND NOT q.in_profile) AS bad,
    (SELECT group_concat(version, ', ') FROM p q
      WHERE q.profile = p.profile AND q.scan_id = p.scan_id AND q.supported IS NULL
        AND NOT q.in_profile) AS unknown
  FROM p GROUP BY profile, scan_id, resource
),
list AS (
  SELECT profile,
    (SELECT group_concat(value, ', ') FROM json_each(cfg.c, '$.tls_versions')) AS l
  FROM cfg
)
SELECT per.profile, resource,
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
FROM per JOIN list ON list.profile = per.profile
