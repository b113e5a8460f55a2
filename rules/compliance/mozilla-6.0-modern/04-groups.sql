-- id: mozilla-6.0-modern/04-groups
-- title: Key exchange groups are those of Mozilla 6.0 modern
-- severity: low
-- requirements: mozilla-6.0-modern:MOZ60-MODERN-04
-- remediation: Offer only the groups of the profile's tls_curves
--   (data/mozilla-server-side-tls-6.0.json), e.g. nginx ssl_ecdh_curve, OpenSSL -groups.
-- description: Every group the scan proved accepted (TLS 1.3 key shares, TLS 1.2 ECDHE curves, TLS
--   1.2 ffdhe groups when the server negotiates them per RFC 7919) must be in
--   configurations.modern.tls_curves of mozilla-server-side-tls-6.0.json (ref_doc 'mozilla-6.0'),
--   whose OpenSSL curve names are mapped to IANA names through ref_group_alias. A TLS 1.2 DHE prime
--   that only equals an RFC 7919 group (not negotiated) is a DH parameter, judged by the DH size
--   rule. A warning only: sslyze's checker disables this check because large sites fail it.
WITH cfg AS (
  SELECT json_extract(doc, '$.configurations.modern') AS c
  FROM ref_doc WHERE name = 'mozilla-6.0'
),
allowed AS (
  SELECT coalesce(a.name, j.value) AS grp
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
  SELECT s.*,
    (SELECT group_concat(grp, ', ') FROM
       (SELECT grp FROM g WHERE g.scan_id = s.scan_id ORDER BY pos)) AS offered,
    (SELECT group_concat(grp, ', ') FROM
       (SELECT grp FROM g WHERE g.scan_id = s.scan_id
          AND g.grp NOT IN (SELECT grp FROM allowed) ORDER BY pos)) AS bad
  FROM s
),
list AS (
  SELECT group_concat(value, ', ') AS l FROM cfg, json_each(cfg.c, '$.tls_curves')
)
SELECT resource,
  CASE WHEN bad IS NOT NULL THEN 'alarm' ELSE 'ok' END AS status,
  CASE WHEN bad IS NOT NULL
         THEN 'accepts groups not in the profile''s tls_curves (' || list.l || '): ' || bad
       WHEN offered IS NULL THEN 'accepts no key exchange group'
       ELSE 'groups ' || offered || ': all in the profile''s tls_curves (' || list.l || ')'
  END AS reason,
  json_array('scan:' || scan_id) AS evidence
FROM per, list
