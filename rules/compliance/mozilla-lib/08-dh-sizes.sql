-- view: mozilla_dh_sizes
-- description: The check of rules/compliance/mozilla-*/08-dh-sizes.sql for every profile of
--   mozilla_profile: profile, resource, status, reason, evidence.
CREATE TEMP VIEW mozilla_dh_sizes AS
WITH lim AS (
  SELECT profile, json_extract(c, '$.dh_param_size') AS dh,
         json_extract(c, '$.ecdh_param_size') AS ecdh
  FROM mozilla_profile
),
s AS (SELECT scan_id, resource FROM v_scan WHERE error IS NULL),
dhe_suite AS (
  SELECT DISTINCT c.scan_id, c.cipher FROM v_scan_cipher c JOIN ref_suite r ON r.name = c.cipher
  WHERE c.version <> 'TLSv1.3' AND (r.kx = 'DHE' OR (r.kx = 'DH' AND r.auth = 'anon'))
),
ff AS (
  SELECT scan_id, 'DHE ' || ifnull(prime, 'prime') || ' ' || bits || ' bits' AS what, bits
  FROM v_scan_dhe
  UNION ALL
  SELECT v.scan_id, 'TLS 1.3 group ' || j.value, CAST(substr(j.value, 6) AS INTEGER)
  FROM v_scan v, json_each(v.result, '$.groups_detail."TLSv1.3"') j
  WHERE v.error IS NULL AND j.value GLOB 'ffdhe[0-9]*'
),
ec AS (
  SELECT scan_id, grp,
    CASE WHEN grp = 'x25519' OR grp GLOB 'X25519MLKEM*' THEN 256
         WHEN grp = 'x448' THEN 448
         WHEN grp GLOB 'secp[0-9]*' OR grp GLOB 'sect[0-9]*' OR grp GLOB 'SecP[0-9]*'
           THEN CAST(substr(grp, 5, 3) AS INTEGER)
         WHEN grp GLOB 'brainpoolP[0-9]*' THEN CAST(substr(grp, 11, 3) AS INTEGER)
    END AS bits
  FROM v_scan_group WHERE NOT grp GLOB 'ffdhe[0-9]*'
),
per AS (
  SELECT lim.profile, lim.dh, lim.ecdh, s.*,
    (SELECT group_concat(cipher, ', ') FROM
       (SELECT cipher FROM dhe_suite d WHERE d.scan_id = s.scan_id ORDER BY cipher)) AS dhe_suites,
    (SELECT group_concat(what, ', ') FROM ff WHERE ff.scan_id = s.scan_id) AS ff_all,
    (SELECT group_concat(what, ', ') FROM ff WHERE ff.scan_id = s.scan_id
      AND lim.dh IS NOT NULL AND ff.bits < lim.dh) AS ff_small,
    (SELECT count(*) FROM v_scan_dhe d WHERE d.scan_id = s.scan_id) AS n_primes,
    (SELECT group_concat(grp || ' ' || bits, ', ') FROM ec WHERE ec.scan_id = s.scan_id
      AND lim.ecdh IS NOT NULL AND ec.bits < lim.ecdh) AS ec_small,
    (SELECT group_concat(grp, ', ') FROM ec WHERE ec.scan_id = s.scan_id AND bits IS NULL)
      AS ec_unknown,
    (SELECT min(bits) FROM ec WHERE ec.scan_id = s.scan_id) AS ec_min
  FROM lim, s
),
j AS (
  SELECT per.*,
    CASE WHEN dh IS NULL AND (dhe_suites IS NOT NULL OR ff_all IS NOT NULL)
           THEN 'finite-field DH offered but the profile allows none (dh_param_size null): '
                || trim(ifnull(dhe_suites, '') || ifnull('; ' || ff_all, ''), '; ')
         WHEN ff_small IS NOT NULL
           THEN 'DH below dh_param_size ' || dh || ': ' || ff_small END AS dh_bad,
    CASE WHEN ec_small IS NOT NULL
           THEN 'ECDH below ecdh_param_size ' || ecdh || ': ' || ec_small END AS ec_bad,
    CASE WHEN dh IS NOT NULL AND dhe_suites IS NOT NULL AND n_primes = 0
           THEN 'DHE suites accepted but no prime size recorded: ' || dhe_suites END AS dh_unknown
  FROM per
)
SELECT profile, resource,
  CASE WHEN dh_bad IS NOT NULL OR ec_bad IS NOT NULL THEN 'alarm'
       WHEN dh_unknown IS NOT NULL OR ec_unknown IS NOT NULL THEN 'skip'
       ELSE 'ok' END AS status,
  CASE WHEN dh_bad IS NOT NULL OR ec_bad IS NOT NULL
         THEN trim(ifnull(dh_bad, '') || ifnull('; ' || ec_bad, ''), '; ')
       WHEN dh_unknown IS NOT NULL OR ec_unknown IS NOT NULL
         THEN trim(ifnull(dh_unknown, '')
                   || ifnull('; ECDH groups of unknown size: ' || ec_unknown, ''), '; ')
       ELSE 'DH: ' || CASE WHEN ff_all IS NULL AND dhe_suites IS NULL THEN 'none offered'
                           ELSE ifnull(ff_all, '') || ' (dh_param_size ' || dh || ')' END
            || '; ECDH: ' || CASE WHEN ec_min IS NULL THEN 'no group'
                                  ELSE 'smallest ' || ec_min || ' bits (ecdh_param_size '
                                       || ifnull(ecdh, 'null') || ')' END
  END AS reason,
  json_array('scan:' || scan_id) AS evidence
FROM j
