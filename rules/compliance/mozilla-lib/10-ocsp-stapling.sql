-- view: mozilla_ocsp_stapling
-- description: The check of rules/compliance/mozilla-*/10-ocsp-stapling.sql for every profile of
--   mozilla_profile: profile, resource, status, reason, evidence.
CREATE TEMP VIEW mozilla_ocsp_stapling AS
WITH req AS (SELECT profile, json_extract(c, '$.ocsp_staple') AS on_ FROM mozilla_profile),
s AS (SELECT scan_id, resource FROM v_scan WHERE error IS NULL),
ch AS (
  SELECT k.scan_id, k.chain, k.leaf_sha256, k.ocsp_stapled, k.ocsp_status,
    (ifnull(c.n_ocsp_urls, 0) > 0 OR ifnull(c.must_staple, 0) = 1) AS applicable
  FROM v_scan_chain k LEFT JOIN v_cert c ON c.sha256 = k.leaf_sha256
  WHERE k.handshake_error IS NULL AND k.leaf_sha256 IS NOT NULL
),
per AS (
  SELECT s.*,
    (SELECT count(*) FROM ch WHERE ch.scan_id = s.scan_id) AS n_chains,
    (SELECT count(*) FROM ch WHERE ch.scan_id = s.scan_id AND applicable) AS n_app,
    (SELECT group_concat('cert ' || substr(leaf_sha256, 1, 16), ', ') FROM ch
      WHERE ch.scan_id = s.scan_id AND applicable AND ifnull(ocsp_stapled, 0) = 0) AS unstapled,
    (SELECT group_concat('cert ' || substr(leaf_sha256, 1, 16) || ' status '
                         || ifnull(ocsp_status, 'unreadable'), ', ') FROM ch
      WHERE ch.scan_id = s.scan_id AND ocsp_stapled = 1) AS stapled,
    (SELECT json_group_array(ref) FROM
       (SELECT 'scan:' || s.scan_id AS ref
        UNION ALL SELECT * FROM (SELECT DISTINCT 'cert:' || leaf_sha256 FROM ch
                                 WHERE ch.scan_id = s.scan_id ORDER BY 1))) AS evidence
  FROM s
)
SELECT req.profile, resource,
  CASE WHEN req.on_ IS NOT 1 THEN 'ok' WHEN n_chains = 0 THEN 'skip'
       WHEN unstapled IS NOT NULL THEN 'alarm' WHEN n_app = 0 THEN 'skip' ELSE 'ok' END AS status,
  CASE WHEN req.on_ IS NOT 1 THEN 'the profile does not ask for stapling (ocsp_staple false)'
       WHEN n_chains = 0 THEN 'no full handshake succeeded: stapling unknown'
       WHEN unstapled IS NOT NULL
         THEN 'no OCSP staple although the leaf names an OCSP responder: ' || unstapled
       WHEN n_app = 0 THEN 'N/A: the leaf names no OCSP responder (no AIA OCSP URL, no '
            || 'must-staple)' || ifnull('; stapled anyway: ' || stapled, '')
       ELSE 'OCSP response stapled: ' || stapled END AS reason,
  evidence
FROM per, req
