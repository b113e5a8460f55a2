-- id: mozilla-5.8-old/03-suites
-- title: TLS 1.2 and older cipher suites are those of Mozilla 5.8 old (legacy)
-- severity: high
-- requirements: mozilla-5.8-old:MOZ58-OLD-03
-- remediation: Accept only the suites of the profile's ciphers.iana
--   (data/mozilla-server-side-tls-5.8.json) on TLS 1.2 and older.
-- description: Every suite the scan proved accepted on SSLv2 .. TLS 1.2 must be in
--   configurations.old.ciphers.iana of mozilla-server-side-tls-5.8.json (ref_doc 'mozilla-5.8'); an
--   empty list (modern) admits none. A version below TLS 1.3 whose probe was inconclusive makes the
--   rule skip unless an offending suite is already known.
WITH cfg AS (
  SELECT json_extract(doc, '$.configurations.old') AS c
  FROM ref_doc WHERE name = 'mozilla-5.8'
),
allowed AS (SELECT value AS cipher FROM cfg, json_each(cfg.c, '$.ciphers.iana')),
s AS (SELECT scan_id, resource FROM v_scan WHERE error IS NULL),
per AS (
  SELECT s.*,
    (SELECT count(*) FROM v_scan_cipher c
      WHERE c.scan_id = s.scan_id AND c.version <> 'TLSv1.3') AS n_accepted,
    (SELECT group_concat(cipher || ' (' || vers || ')', ', ') FROM
       (SELECT cipher, group_concat(version, '/') AS vers FROM
          (SELECT cipher, version FROM v_scan_cipher c
            WHERE c.scan_id = s.scan_id AND c.version <> 'TLSv1.3'
              AND c.cipher NOT IN (SELECT cipher FROM allowed)
            ORDER BY cipher, version)
        GROUP BY cipher ORDER BY cipher)) AS bad,
    (SELECT group_concat(version, ', ') FROM v_scan_protocol p
      WHERE p.scan_id = s.scan_id AND p.version <> 'TLSv1.3' AND p.supported IS NULL) AS unknown
  FROM s
),
list AS (
  SELECT CASE count(*) WHEN 0 THEN 'empty' ELSE count(*) || ' suites' END AS l
  FROM cfg, json_each(cfg.c, '$.ciphers.iana')
)
SELECT resource,
  CASE WHEN bad IS NOT NULL THEN 'alarm' WHEN unknown IS NOT NULL THEN 'skip'
       ELSE 'ok' END AS status,
  CASE WHEN bad IS NOT NULL
         THEN 'accepts suites not in the profile''s ciphers.iana (' || list.l || '): ' || bad
       WHEN unknown IS NOT NULL
         THEN 'not determined whether ' || unknown || ' is accepted (its suites are unknown)'
       WHEN n_accepted = 0 THEN 'accepts no suite on TLS 1.2 or older'
       ELSE 'all ' || n_accepted || ' (version, suite) pairs accepted on TLS 1.2 or older are in '
            || 'the profile''s ciphers.iana' END AS reason,
  json_array('scan:' || scan_id) AS evidence
FROM per, list
