-- view: mozilla_lifetime
-- description: The check of rules/compliance/mozilla-*/09-lifetime.sql for every profile of
--   mozilla_profile: profile, resource, status, reason, evidence.
CREATE TEMP VIEW mozilla_lifetime AS
WITH lim AS (
  SELECT profile, json_extract(c, '$.maximum_certificate_lifespan') AS days FROM mozilla_profile
),
s AS (SELECT scan_id, resource FROM v_scan WHERE error IS NULL),
leaf AS (SELECT * FROM mozilla_leaf),
per AS (
  SELECT lim.profile, lim.days, s.*,
    (SELECT group_concat(ifnull(validity_days, '?') || ' days (cert ' || substr(sha256, 1, 16)
                         || ')', ', ')
       FROM (SELECT * FROM leaf l WHERE l.scan_id = s.scan_id ORDER BY sha256)) AS leaves,
    (SELECT group_concat(validity_days || ' days (cert ' || substr(sha256, 1, 16) || ')', ', ')
       FROM (SELECT * FROM leaf l WHERE l.scan_id = s.scan_id
               AND l.validity_days > lim.days ORDER BY sha256)) AS bads,
    (SELECT count(*) FROM leaf l WHERE l.scan_id = s.scan_id AND validity_days IS NULL)
      AS n_unknown
  FROM lim, s
)
SELECT profile, resource,
  CASE WHEN leaves IS NULL THEN 'skip' WHEN bads IS NOT NULL THEN 'alarm'
       WHEN n_unknown > 0 THEN 'skip' ELSE 'ok' END AS status,
  CASE WHEN leaves IS NULL THEN 'no leaf certificate was recorded (no full handshake succeeded)'
       WHEN bads IS NOT NULL THEN 'leaf lifetime above maximum_certificate_lifespan '
            || days || ' days: ' || bads
       WHEN n_unknown > 0 THEN 'a leaf has an unreadable validity: ' || leaves
       ELSE 'leaf lifetimes ' || leaves || ' within maximum_certificate_lifespan ' || days
            || ' days' END AS reason,
  (SELECT json_group_array(ref) FROM
     (SELECT 'scan:' || per.scan_id AS ref
      UNION ALL SELECT * FROM (SELECT 'cert:' || sha256 FROM leaf l
                               WHERE l.scan_id = per.scan_id ORDER BY sha256))) AS evidence
FROM per
