-- view: mozilla_groups
-- description: The check of rules/compliance/mozilla-*/04-groups.sql for every profile of
--   mozilla_profile: profile, resource, status, reason, evidence.
CREATE TEMP VIEW mozilla_groups AS
WITH cfg AS (SELECT profile, c FROM mozilla_profile),
allowed AS (
  SELECT cfg.profile, coalesce(a.name, j.value) AS grp
  FROM cfg, json_each(cfg.c, '$.tls_curves') j LEFT JOIN ref_group_alias a ON a.alias = j.value
),
s AS (SELECT scan_id, resource FROM v_scan WHERE error IS NULL),
g AS (
  SELECT g.scan_id, g.grp, g.pos FROM v_scan_group g JOIN v_scan v ON v.scan_id = g.scan_id
  WHERE NOT g.grp GLOB 'ffdhe[0-9]*'
     OR json_extract(v.result, '$.groups_detail.ffdhe_negotiated') = 1
     OR g.grp IN (SELECT value FROM json_each(v.result, '$.groups_detail."TLSv1.3"'))
),
per AS (
  SELECT cfg.profile, s.*,
    (SELECT group_concat(grp, ', ') FROM
       (SELECT grp FROM g WHERE g.scan_id = s.scan_id ORDER BY pos)) AS offered,
    (SELECT group_concat(grp, ', ') FROM
       (SELECT grp FROM g WHERE g.scan_id = s.scan_id
          AND g.grp NOT IN (SELECT al.grp FROM allowed al WHERE al.profile = cfg.profile)
        ORDER BY pos)) AS bad
  FROM cfg, s
),
list AS (
  SELECT profile,
    (SELECT group_concat(value, ', ') FROM json_each(cfg.c, '$.tls_curves')) AS l
  FROM cfg
)
SELECT per.profile, resource,
  CASE WHEN bad IS NOT NULL THEN 'alarm' ELSE 'ok' END AS status,
  CASE WHEN bad IS NOT NULL
         THEN 'accepts groups not in the profile''s tls_curves (' || list.l || '): ' || bad
       WHEN offered IS NULL THEN 'accepts no key exchange group'
       ELSE 'groups ' || offered || ': all in the profile''s tls_curves (' || list.l || ')'
  END AS reason,
  json_array('scan:' || scan_id) AS evidence
FROM per JOIN list ON list.profile = per.profile
