-- id: pci-dss-4.0.1/4.2.1-strength
-- title: Strong cryptography: at least 112 bits of effective strength (suites, RSA/DSA/DH >= 2048, ECC >= 224)
-- severity: high
-- requirements: pci-dss-4.0.1:4.2.1
-- remediation: Remove suites below 112 effective bits (export, DES, RC4 40/56, NULL); use
--   RSA, DSA and DH keys of at least 2048 bits and elliptic curves of at least 224 bits.
-- description: PCI DSS v4.0.1 Req. 4.2.1 bullet 4 (PCI-4.2.1-d) and the PCI DSS Glossary
--   'Strong Cryptography' (a minimum of 112 bits of effective key strength: AES >= 128,
--   RSA >= 2048, ECC >= 224, DSA/DH >= 2048). Accepted suites by ref_suite's
--   enc_effective_bits (v_scan_cipher); every certificate key of the chains the scan got
--   (v_scan_cert: RSA, RSA-PSS, DSA >= 2048; ECDSA, EdDSA >= 224); DHE primes
--   (v_scan_dhe >= 2048); key exchange groups (v_scan_group: ffdhe >= 2048, curves >=
--   224 bits, by the size in the group's name; x25519 = 255, x448 = 448; unknown and pure
--   post-quantum groups are not judged). A suite the reference table does not know is
--   named in the reason and gives 'skip' unless something else fails.
SELECT e.resource,
       CASE WHEN coalesce(e.suites, e.keys, e.dh) IS NOT NULL THEN 'alarm'
            WHEN e.unknown IS NOT NULL OR e.ns = 0 THEN 'skip' ELSE 'ok' END AS status,
       CASE WHEN coalesce(e.suites, e.keys, e.dh, e.unknown) IS NOT NULL THEN
              rtrim(coalesce('suites < 112 bits: ' || e.suites || '; ', '')
                    || coalesce('keys too small: ' || e.keys || '; ', '')
                    || coalesce('key exchange too small: ' || e.dh || '; ', '')
                    || coalesce('strength unknown: ' || e.unknown || '; ', ''), '; ')
            WHEN e.ns = 0 THEN 'no accepted cipher suite in the scan'
            ELSE 'weakest suite ' || e.minbits || ' bits; keys: ' || coalesce(e.allkeys, 'none')
                 || '; smallest DHE ' || coalesce(e.mindhe || ' bits', 'none')
                 || '; groups: ' || coalesce(e.grps, 'none') END AS reason,
       (SELECT json_group_array(x) FROM (SELECT 'scan:' || e.scan_id AS x UNION ALL
          SELECT DISTINCT 'cert:' || c.sha256 FROM v_scan_cert c WHERE c.scan_id = e.scan_id)) AS evidence
FROM (SELECT v.scan_id, v.resource,
             (SELECT count(*) FROM v_scan_cipher c WHERE c.scan_id = v.scan_id) AS ns,
             (SELECT min(r.enc_effective_bits) FROM v_scan_cipher c JOIN ref_suite r ON r.name = c.cipher
               WHERE c.scan_id = v.scan_id) AS minbits,
             (SELECT group_concat(s, ', ') FROM (SELECT DISTINCT c.cipher || ' (' || r.enc_effective_bits || ')' AS s
                FROM v_scan_cipher c JOIN ref_suite r ON r.name = c.cipher
               WHERE c.scan_id = v.scan_id AND r.enc_effective_bits < 112)) AS suites,
             (SELECT group_concat(DISTINCT c.cipher) FROM v_scan_cipher c LEFT JOIN ref_suite r ON r.name = c.cipher
               WHERE c.scan_id = v.scan_id AND r.enc_effective_bits IS NULL) AS unknown,
             (SELECT group_concat(k, ', ') FROM (SELECT DISTINCT c.subject || ' ' || c.key_type || ' ' || c.key_bits AS k
                FROM v_scan_cert c WHERE c.scan_id = v.scan_id AND (
                  (c.key_type IN ('RSA', 'RSA-PSS', 'DSA') AND c.key_bits < 2048)
                  OR (c.key_type IN ('ECDSA', 'Ed25519', 'Ed448') AND c.key_bits < 224)))) AS keys,
             (SELECT group_concat(k, ', ') FROM (SELECT DISTINCT c.key_type || ' ' || c.key_bits AS k
                FROM v_scan_cert c WHERE c.scan_id = v.scan_id)) AS allkeys,
             (SELECT min(d.bits) FROM v_scan_dhe d WHERE d.scan_id = v.scan_id) AS mindhe,
             (SELECT group_concat(g.grp, ', ') FROM v_scan_group g WHERE g.scan_id = v.scan_id) AS grps,
             (SELECT group_concat(w, ', ') FROM (
                SELECT 'DHE ' || coalesce(d.prime, 'custom prime') || ' ' || d.bits || ' bits' AS w
                  FROM v_scan_dhe d WHERE d.scan_id = v.scan_id AND d.bits < 2048
                UNION ALL
                SELECT g.grp FROM v_scan_group g WHERE g.scan_id = v.scan_id AND (
                  (g.grp LIKE 'ffdhe%' AND CAST(substr(g.grp, 6) AS INTEGER) < 2048)
                  OR ((g.grp LIKE 'secp%' OR g.grp LIKE 'sect%') AND CAST(substr(g.grp, 5) AS INTEGER) < 224)
                  OR (g.grp LIKE 'brainpoolP%' AND CAST(substr(g.grp, 11) AS INTEGER) < 224)))) AS dh
      FROM v_scan v WHERE v.error IS NULL) e
