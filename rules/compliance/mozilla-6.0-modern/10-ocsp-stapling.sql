-- id: mozilla-6.0-modern/10-ocsp-stapling
-- title: OCSP stapling is enabled (Mozilla 6.0 modern)
-- severity: low
-- requirements: mozilla-6.0-modern:MOZ60-MODERN-10
-- remediation: Enable OCSP stapling (nginx ssl_stapling on, Apache SSLUseStapling on).
-- description: configurations.modern.ocsp_staple of mozilla-server-side-tls-6.0.json (ref_doc
--   'mozilla-6.0'): every chain whose leaf names an OCSP responder (AIA OCSP URL) or requires
--   stapling (TLS feature status_request) has a staple. N/A (skip) when no leaf names a responder:
--   Let's Encrypt and others have dropped OCSP URLs since 2025. Only stapling is judged, not the
--   response's status (other rules judge revocation).
WITH cfg AS (
  SELECT json_extract(doc, '$.configurations.modern') AS c
  FROM ref_doc WHERE name = 'mozilla-6.0'
),
req AS (SELECT json_extract(c, '$.ocsp_staple') AS on_ FROM cfg),
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
SELECT resource,
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
