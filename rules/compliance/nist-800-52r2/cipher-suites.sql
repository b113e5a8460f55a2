-- id: nist-800-52r2/cipher-suites
-- title: Only the cipher suites of SP 800-52r2 §3.3.1 are accepted (no ChaCha20)
-- severity: high
-- requirements: nist-800-52r2:NIST52-05, hipaa-hhs:HIPAA-02
-- remediation: Accept only the suites of SP 800-52r2 §3.3.1: TLS 1.2 (EC)DHE with AES-GCM,
--   AES-CCM or AES-CBC; TLS 1.3 TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384,
--   TLS_AES_128_CCM_SHA256, TLS_AES_128_CCM_8_SHA256. Remove ChaCha20-Poly1305 (not
--   FIPS-approved), Camellia, ARIA, 3DES, RC4, anonymous and NULL suites; phase out RSA
--   key transport (Appendix D).
-- description: NIST SP 800-52 Rev. 2 §3.3.1 (and §3.3.1.1-§3.3.1.2) lists the acceptable
--   suites; Appendix D lists RSA key transport suites for a transition only. Membership
--   comes from the cipher suite table's nist_800_52r2_unverified column (ref_suite: Y,
--   static-dh-cert = §3.3.1 suites for DH/ECDH certificates, appendixD-transition); that
--   column was reconstructed from the standard and is unverified. 'alarm' (high) when a
--   suite outside §3.3.1 and Appendix D is accepted, 'alarm' (medium) when only Appendix D
--   suites are extra. ChaCha20 is absent from the list: NIST's verdict, whatever Mozilla's.
SELECT e.resource,
       CASE WHEN e.bad IS NOT NULL OR e.appx IS NOT NULL THEN 'alarm'
            WHEN e.n = 0 THEN 'skip' ELSE 'ok' END AS status,
       CASE WHEN e.bad IS NOT NULL OR e.appx IS NOT NULL THEN
              trim(coalesce('not in SP 800-52r2 §3.3.1: ' || e.bad, '')
                   || coalesce(CASE WHEN e.bad IS NOT NULL THEN '; ' ELSE '' END
                               || 'RSA key transport (Appendix D transition only): ' || e.appx, ''),
                   '; ')
            WHEN e.n = 0 THEN 'no accepted cipher suite in the scan'
            ELSE 'all ' || e.n || ' accepted suites are in SP 800-52r2 §3.3.1' END AS reason,
       json_array('scan:' || e.scan_id) AS evidence,
       CASE WHEN e.bad IS NULL AND e.appx IS NOT NULL THEN 'medium' END AS severity
FROM (SELECT v.scan_id, v.resource,
             (SELECT count(DISTINCT c.cipher) FROM v_scan_cipher c WHERE c.scan_id = v.scan_id) AS n,
             (SELECT replace(group_concat(DISTINCT c.cipher), ',', ', ')
                FROM v_scan_cipher c LEFT JOIN ref_suite r ON r.name = c.cipher
               WHERE c.scan_id = v.scan_id AND r.nist_800_52r2_unverified IS NULL) AS bad,
             (SELECT replace(group_concat(DISTINCT c.cipher), ',', ', ')
                FROM v_scan_cipher c JOIN ref_suite r ON r.name = c.cipher
               WHERE c.scan_id = v.scan_id
                 AND r.nist_800_52r2_unverified = 'appendixD-transition') AS appx
      FROM v_scan v WHERE v.error IS NULL) e
