-- view: mozilla_key_sizes
-- description: The check of rules/compliance/mozilla-*/07-key-sizes.sql for every profile of
--   mozilla_profile: profile, resource, status, reason, evidence.
CREATE TEMP VIEW mozilla_key_sizes AS
WITH cfg AS (SELECT profile, c FROM mozilla_profile),
s AS (SELECT scan_id, resource FROM v_scan WHERE error IS NULL),
leaf AS (SELECT * FROM mozilla_leaf),
curves AS (
  SELECT cfg.profile, coalesce(a.name, j.value) AS curve
  FROM cfg, json_each(cfg.c, '$.certificate_curves') j
  LEFT JOIN ref_group_alias a ON a.alias = j.value
),
rsa AS (SELECT profile, json_extract(c, '$.rsa_key_size') AS bits FROM cfg),
judged AS (
  SELECT rsa.profile, l.*,
    CASE WHEN l.key_type = 'ECDSA'
           THEN ifnull(l.curve, '?') NOT IN (SELECT cu.curve FROM curves cu
                                             WHERE cu.profile = rsa.profile)
         WHEN l.key_type IN ('RSA', 'RSA-PSS') THEN
           CASE WHEN rsa.bits IS NULL THEN 0 ELSE ifnull(l.key_bits, 0) < rsa.bits END
         END AS bad,
    l.key_type || ' ' || CASE WHEN l.key_type = 'ECDSA' THEN ifnull(l.curve, 'unnamed curve')
                              ELSE ifnull(l.key_bits, '?') || ' bits' END
      || ' (cert ' || substr(l.sha256, 1, 16) || ')' AS what
  FROM leaf l, rsa
),
per AS (
  SELECT cfg.profile, s.*,
    (SELECT group_concat(what, ', ') FROM
       (SELECT what FROM judged j WHERE j.profile = cfg.profile AND j.scan_id = s.scan_id
        ORDER BY sha256)) AS leaves,
    (SELECT group_concat(what, ', ') FROM
       (SELECT what FROM judged j WHERE j.profile = cfg.profile AND j.scan_id = s.scan_id
          AND bad = 1 ORDER BY sha256)) AS bads,
    (SELECT count(*) FROM judged j WHERE j.profile = cfg.profile AND j.scan_id = s.scan_id
      AND bad IS NOT NULL) AS n_judged,
    'certificate_curves ' || (SELECT group_concat(value, ', ')
                              FROM json_each(cfg.c, '$.certificate_curves'))
      || '; rsa_key_size ' || ifnull(json_extract(cfg.c, '$.rsa_key_size'), 'null') AS want
  FROM cfg, s
)
SELECT profile, resource,
  CASE WHEN leaves IS NULL OR n_judged = 0 THEN 'skip' WHEN bads IS NOT NULL THEN 'alarm'
       ELSE 'ok' END AS status,
  CASE WHEN leaves IS NULL THEN 'no leaf certificate was recorded (no full handshake succeeded)'
       WHEN n_judged = 0 THEN 'no ECDSA or RSA leaf to judge: ' || leaves
       WHEN bads IS NOT NULL THEN 'leaves outside the profile (' || want || '): ' || bads
       ELSE 'leaves ' || leaves || ' meet the profile (' || want || ')' END AS reason,
  (SELECT json_group_array(ref) FROM
     (SELECT 'scan:' || per.scan_id AS ref
      UNION ALL SELECT * FROM (SELECT 'cert:' || sha256 FROM leaf l
                               WHERE l.scan_id = per.scan_id ORDER BY sha256))) AS evidence
FROM per
