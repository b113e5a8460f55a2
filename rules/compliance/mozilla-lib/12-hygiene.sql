-- view: mozilla_hygiene
-- description: The check of rules/compliance/mozilla-*/12-hygiene.sql for every profile of
--   mozilla_profile: profile, resource, status, reason, evidence (the same for every profile:
--   these checks read no field of the guidelines).
CREATE TEMP VIEW mozilla_hygiene AS
WITH s AS (
  SELECT scan_id, resource,
    json_extract(result, '$.features.compression') AS compression,
    json_extract(result, '$.features.secure_renegotiation') AS reneg,
    (SELECT count(*) FROM v_scan_protocol p WHERE p.scan_id = v_scan.scan_id
      AND p.version <> 'TLSv1.3' AND p.supported = 1) AS n_old
  FROM v_scan WHERE error IS NULL
),
ch AS (
  SELECT scan_id, leaf_sha256, requested, trusted, verify_error, hostname_match
  FROM v_scan_chain
  WHERE handshake_error IS NULL AND leaf_sha256 IS NOT NULL AND requested IS NOT 'nosni'
),
per AS (
  SELECT s.*,
    (SELECT count(*) FROM ch WHERE ch.scan_id = s.scan_id) AS n_chains,
    (SELECT group_concat(requested || ' chain (cert ' || substr(leaf_sha256, 1, 16) || ') '
                         || CASE WHEN trusted = 0 THEN 'untrusted: ' || ifnull(verify_error, '?')
                                 ELSE 'trust unknown' END, ', ')
       FROM ch WHERE ch.scan_id = s.scan_id AND trusted IS NOT 1) AS trust_bad,
    (SELECT group_concat(requested || ' chain (cert ' || substr(leaf_sha256, 1, 16) || ') '
                         || CASE WHEN hostname_match = 0 THEN 'name mismatch'
                                 ELSE 'name match unknown' END, ', ')
       FROM ch WHERE ch.scan_id = s.scan_id AND hostname_match IS NOT 1) AS name_bad,
    (SELECT json_group_array(ref) FROM
       (SELECT 'scan:' || s.scan_id AS ref
        UNION ALL SELECT * FROM (SELECT DISTINCT 'cert:' || leaf_sha256 FROM ch
                                 WHERE ch.scan_id = s.scan_id ORDER BY 1))) AS evidence
  FROM s
),
j AS (
  SELECT per.*,
    trim(ifnull(CASE WHEN trust_bad GLOB '*untrusted*' THEN trust_bad END, '')
         || ifnull('; ' || CASE WHEN name_bad GLOB '*mismatch*' THEN name_bad END, '')
         || CASE WHEN compression = 1 THEN '; TLS compression accepted' ELSE '' END
         || CASE WHEN n_old > 0 AND reneg = 0 THEN '; no secure renegotiation (RFC 5746)'
                 ELSE '' END, '; ') AS bad,
    trim(CASE WHEN n_chains = 0 THEN 'no full handshake succeeded' ELSE '' END
         || ifnull('; ' || CASE WHEN trust_bad NOT GLOB '*untrusted*' THEN trust_bad END, '')
         || ifnull('; ' || CASE WHEN name_bad NOT GLOB '*mismatch*' THEN name_bad END, '')
         || CASE WHEN n_old > 0 AND compression IS NULL THEN '; compression not determined'
                 ELSE '' END
         || CASE WHEN n_old > 0 AND reneg IS NULL THEN '; secure renegotiation not determined'
                 ELSE '' END, '; ') AS unknown
  FROM per
)
SELECT m.profile, resource,
  CASE WHEN bad <> '' THEN 'alarm' WHEN unknown <> '' THEN 'skip' ELSE 'ok' END AS status,
  CASE WHEN bad <> '' THEN bad WHEN unknown <> '' THEN unknown
       ELSE n_chains || ' chain(s) trusted and matching the name; '
            || CASE WHEN n_old = 0 THEN 'TLS 1.3 only: no compression, no renegotiation'
                    ELSE 'no compression, secure renegotiation' END END
  || '; Heartbleed, ROBOT and CCS injection are not probed by tlsscope (not judged)' AS reason,
  evidence
FROM mozilla_profile m, j
