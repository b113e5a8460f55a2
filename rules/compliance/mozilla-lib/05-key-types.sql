-- view: mozilla_key_types
-- description: The check of rules/compliance/mozilla-*/05-key-types.sql for every profile of
--   mozilla_profile: profile, resource, status, reason, evidence.
CREATE TEMP VIEW mozilla_key_types AS
WITH cfg AS (SELECT profile, c FROM mozilla_profile),
s AS (SELECT scan_id, resource FROM v_scan WHERE error IS NULL),
leaf AS (SELECT * FROM mozilla_leaf),
types AS (SELECT cfg.profile, value AS t FROM cfg, json_each(cfg.c, '$.certificate_types')),
per AS (
  SELECT cfg.profile, s.*,
    (SELECT group_concat(key_type || ' (cert ' || substr(sha256, 1, 16) || ')', ', ')
       FROM (SELECT * FROM leaf l WHERE l.scan_id = s.scan_id ORDER BY sha256)) AS leaves,
    (SELECT count(*) FROM leaf l WHERE l.scan_id = s.scan_id
      AND lower(l.key_type) IN (SELECT y.t FROM types y WHERE y.profile = cfg.profile)) AS n_good,
    (SELECT group_concat(value, ', ') FROM json_each(cfg.c, '$.certificate_types')) AS list
  FROM cfg, s
)
SELECT profile, resource,
  CASE WHEN leaves IS NULL THEN 'skip' WHEN n_good = 0 THEN 'alarm' ELSE 'ok' END AS status,
  CASE WHEN leaves IS NULL THEN 'no leaf certificate was recorded (no full handshake succeeded)'
       WHEN n_good = 0 THEN 'no leaf has a key type of the profile''s certificate_types ('
            || list || '): ' || leaves
       ELSE 'leaf key types ' || leaves || '; profile certificate_types: ' || list END AS reason,
  (SELECT json_group_array(ref) FROM
     (SELECT 'scan:' || per.scan_id AS ref
      UNION ALL SELECT * FROM (SELECT 'cert:' || sha256 FROM leaf l
                               WHERE l.scan_id = per.scan_id ORDER BY sha256))) AS evidence
FROM per
