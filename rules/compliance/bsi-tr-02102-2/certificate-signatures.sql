-- id: bsi-tr-02102-2/certificate-signatures
-- title: Certificate signatures: SHA-2, and RSASSA-PSS or ECDSA instead of RSA PKCS#1 v1.5 after 2025
-- severity: medium
-- requirements: bsi-tr-02102-2:BSI-05
-- remediation: Have the certificates signed with ECDSA or RSASSA-PSS and a SHA-2 hash.
-- description: BSI TR-02102-2 (edition 2026-01) with TR-02102-1: certificate signatures use
--   the SHA-2 family; RSA PKCS#1 v1.5 signatures are not recommended after 2025 (RSASSA-PSS
--   or ECDSA instead). Checked on every certificate of the chains the scan got
--   (v_scan_cert) except self-signed ones (a trust anchor's self-signature protects
--   nothing). A non-SHA-2 hash (SHA-1, MD5) is 'alarm' with severity high; a
--   sha*WithRSAEncryption signature is 'alarm' (medium) when the scan finished in 2026 or
--   later, fine before.
SELECT e.resource,
       CASE WHEN e.n = 0 THEN 'skip' WHEN coalesce(e.weak, e.pkcs1) IS NOT NULL THEN 'alarm'
            ELSE 'ok' END AS status,
       CASE WHEN e.n = 0 THEN 'no certificate in the scan (other than self-signed ones)'
            WHEN coalesce(e.weak, e.pkcs1) IS NOT NULL THEN
              rtrim(coalesce('not SHA-2: ' || e.weak || '; ', '')
                    || coalesce('RSA PKCS#1 v1.5 after 2025: ' || e.pkcs1 || '; ', ''), '; ')
            ELSE 'signatures: ' || e.algs END AS reason,
       (SELECT json_group_array(x) FROM (SELECT 'scan:' || e.scan_id AS x UNION ALL
          SELECT DISTINCT 'cert:' || c.sha256 FROM v_scan_cert c WHERE c.scan_id = e.scan_id)) AS evidence,
       CASE WHEN e.weak IS NOT NULL THEN 'high' END AS severity
FROM (SELECT v.scan_id, v.resource,
             (SELECT count(*) FROM v_scan_cert c WHERE c.scan_id = v.scan_id AND c.self_signed IS NOT 1) AS n,
             (SELECT group_concat(DISTINCT c.sig_alg) FROM v_scan_cert c
               WHERE c.scan_id = v.scan_id AND c.self_signed IS NOT 1) AS algs,
             (SELECT group_concat(s, ', ') FROM (SELECT DISTINCT coalesce(c.subject, c.sha256) || ' ('
                     || coalesce(c.sig_alg, '?') || ')' AS s FROM v_scan_cert c
               WHERE c.scan_id = v.scan_id AND c.self_signed IS NOT 1
                 AND coalesce(c.sig_hash, '') NOT IN ('sha224', 'sha256', 'sha384', 'sha512',
                                                      'sha512-224', 'sha512-256')
                 AND c.key_type IS NOT NULL AND c.sig_alg NOT IN ('ED25519', 'ED448'))) AS weak,
             (SELECT group_concat(s, ', ') FROM (SELECT DISTINCT coalesce(c.subject, c.sha256) || ' ('
                     || c.sig_alg || ')' AS s FROM v_scan_cert c
               WHERE c.scan_id = v.scan_id AND c.self_signed IS NOT 1
                 AND c.sig_alg LIKE '%WithRSAEncryption' AND v.finished >= '2026-01-01')) AS pkcs1
      FROM v_scan v WHERE v.error IS NULL) e
