-- id: bsi-tr-02102-2/cipher-suites
-- title: Only the cipher suites of the TR's tables (TLS 1.3 without ChaCha20 and CCM_8)
-- severity: high
-- requirements: bsi-tr-02102-2:BSI-02
-- remediation: TLS 1.2: (EC)DHE suites with AES-GCM, AES-CCM or AES-CBC-SHA256/384 only;
--   TLS 1.3: TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_AES_128_CCM_SHA256.
--   Remove ChaCha20-Poly1305, CCM_8, CBC with SHA-1, RSA key transport and the rest.
-- description: BSI TR-02102-2 (edition 2026-01) Tables 2, 3 and 13 (recommended suites for
--   TLS 1.2 and TLS 1.3): perfect forward secrecy suites with AES; TLS 1.3 without
--   TLS_CHACHA20_POLY1305_SHA256 and TLS_AES_128_CCM_8_SHA256. Membership comes from the
--   cipher suite table's bsi_tr02102_2_unverified column (ref_suite: Y recommended,
--   legacy = static DH/ECDH and PSK suites listed for legacy use); that list was
--   reconstructed and is UNVERIFIED against the TR's text. 'alarm' (high) when a suite
--   outside the list is accepted, 'alarm' (medium) when the only extra suites are legacy
--   ones. ChaCha20 is not listed: BSI's verdict, whatever Mozilla's.
SELECT e.resource,
       CASE WHEN e.bad IS NOT NULL OR e.legacy IS NOT NULL THEN 'alarm'
            WHEN e.n = 0 THEN 'skip' ELSE 'ok' END AS status,
       CASE WHEN e.bad IS NOT NULL OR e.legacy IS NOT NULL THEN
              trim(coalesce('not in TR-02102-2 (unverified list): ' || e.bad, '')
                   || coalesce(CASE WHEN e.bad IS NOT NULL THEN '; ' ELSE '' END
                               || 'legacy only: ' || e.legacy, ''), '; ')
            WHEN e.n = 0 THEN 'no accepted cipher suite in the scan'
            ELSE 'all ' || e.n || ' accepted suites are in TR-02102-2 (unverified list)' END AS reason,
       json_array('scan:' || e.scan_id) AS evidence,
       CASE WHEN e.bad IS NULL AND e.legacy IS NOT NULL THEN 'medium' END AS severity
FROM (SELECT v.scan_id, v.resource,
             (SELECT count(DISTINCT c.cipher) FROM v_scan_cipher c WHERE c.scan_id = v.scan_id) AS n,
             (SELECT replace(group_concat(DISTINCT c.cipher), ',', ', ')
                FROM v_scan_cipher c LEFT JOIN ref_suite r ON r.name = c.cipher
               WHERE c.scan_id = v.scan_id AND r.bsi_tr02102_2_unverified IS NULL) AS bad,
             (SELECT replace(group_concat(DISTINCT c.cipher), ',', ', ')
                FROM v_scan_cipher c JOIN ref_suite r ON r.name = c.cipher
               WHERE c.scan_id = v.scan_id AND r.bsi_tr02102_2_unverified = 'legacy') AS legacy
      FROM v_scan v WHERE v.error IS NULL) e
