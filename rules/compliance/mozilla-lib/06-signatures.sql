-- view: mozilla_signatures
-- description: The check of rules/compliance/mozilla-*/06-signatures.sql for every profile of
--   mozilla_profile: profile, resource, status, reason, evidence.
CREATE TEMP VIEW mozilla_signatures AS
WITH cfg AS (SELECT profile, c FROM mozilla_profile),
s AS (SELECT scan_id, resource FROM v_scan WHERE error IS NULL),
leaf AS (SELECT * FROM mozilla_leaf),
sigs AS (SELECT cfg.profile, value AS a FROM cfg, json_each(cfg.c, '$.certificate_signatures')),
per AS (
  SELECT cfg.profile, s.*,
    (SELECT group_concat(ifnull(sig_alg, '?') || ' (cert ' || substr(sha256, 1, 16) || ')', ', ')
       FROM (SELECT * FROM leaf l WHERE l.scan_id = s.scan_id ORDER BY sha256)) AS leaves,
    (SELECT count(*) FROM leaf l WHERE l.scan_id = s.scan_id
      AND l.sig_alg IN (SELECT g.a FROM sigs g WHERE g.profile = cfg.profile)) AS n_good,
    (SELECT group_concat(value, ', ') FROM json_each(cfg.c, '$.certificate_signatures')) AS list
  FROM cfg, s
)
SELECT profile, resource,
  CASE WHEN leaves IS NULL THEN 'skip' WHEN n_good = 0 THEN 'alarm' ELSE 'ok' END AS status,
  CASE WHEN leaves IS NULL THEN 'no leaf certificate was recorded (no full handshake succeeded)'
       WHEN n_good = 0 THEN 'no leaf is signed with one of the profile''s certificate_signatures ('
            || list || '): ' || leaves
       ELSE 'leaf signatures ' || leaves || '; profile certificate_signatures: ' || list
  END AS reason,
  (SELECT json_group_array(ref) FROM
     (SELECT 'scan:' || per.scan_id AS ref
      UNION ALL SELECT * FROM (SELECT 'cert:' || sha256 FROM leaf l
                               WHERE l.scan_id = per.scan_id ORDER BY sha256))) AS evidence
FROM per
