-- id: bsi-tr-02102-2/key-sizes
-- title: Key sizes: RSA and DH >= 3000 bits, ECC >= 250 bits
-- severity: high
-- requirements: bsi-tr-02102-2:BSI-03
-- remediation: Use RSA (and DSA) certificate keys and DHE groups of at least 3000 bits
--   (e.g. RSA 3072, ffdhe3072) and elliptic curves of at least 250 bits.
-- description: BSI TR-02102-2 (2023-01 p. 18) with TR-02102-1: RSA and finite field DH keys
--   of at least 3000 bits (2000-bit keys were transitional until the end of 2023), ECC keys
--   of at least 250 bits. Stricter than Mozilla, NIST and PCI (2048): BSI's own verdict.
--   Checked: every certificate key of the chains the scan got (v_scan_cert: RSA, RSA-PSS,
--   DSA >= 3000; ECDSA, EdDSA >= 250), DHE primes (v_scan_dhe >= 3000), key exchange
--   groups (v_scan_group: ffdhe >= 3000, curves >= 250 bits by the size in the group's
--   name; x25519 = 255, x448 = 448; unknown and pure post-quantum groups not judged).
SELECT e.resource,
       CASE WHEN coalesce(e.keys, e.kx) IS NOT NULL THEN 'alarm'
            WHEN e.nk = 0 AND e.ng = 0 AND e.nd = 0 THEN 'skip' ELSE 'ok' END AS status,
       CASE WHEN coalesce(e.keys, e.kx) IS NOT NULL THEN
              rtrim(coalesce('keys: ' || e.keys || '; ', '') || coalesce('key exchange: ' || e.kx || '; ', ''), '; ')
            WHEN e.nk = 0 AND e.ng = 0 AND e.nd = 0 THEN 'no certificate key, group or DHE prime in the scan'
            ELSE 'keys: ' || coalesce(e.allkeys, 'none') || '; DHE: ' || coalesce(e.mindhe || ' bits', 'none')
                 || '; groups: ' || coalesce(e.grps, 'none') END AS reason,
       (SELECT json_group_array(x) FROM (SELECT 'scan:' || e.scan_id AS x UNION ALL
          SELECT DISTINCT 'cert:' || c.sha256 FROM v_scan_cert c WHERE c.scan_id = e.scan_id)) AS evidence
FROM (SELECT v.scan_id, v.resource,
             (SELECT count(*) FROM v_scan_cert c WHERE c.scan_id = v.scan_id) AS nk,
             (SELECT count(*) FROM v_scan_group g WHERE g.scan_id = v.scan_id) AS ng,
             (SELECT count(*) FROM v_scan_dhe d WHERE d.scan_id = v.scan_id) AS nd,
             (SELECT group_concat(k, ', ') FROM (SELECT DISTINCT
                     c.key_type || ' ' || c.key_bits || ' < ' || CASE WHEN c.key_type IN ('RSA', 'RSA-PSS', 'DSA')
                     THEN '3000' ELSE '250' END || ' (' || coalesce(c.subject, c.sha256) || ')' AS k
                FROM v_scan_cert c WHERE c.scan_id = v.scan_id AND (
                  (c.key_type IN ('RSA', 'RSA-PSS', 'DSA') AND c.key_bits < 3000)
                  OR (c.key_type IN ('ECDSA', 'Ed25519', 'Ed448') AND c.key_bits < 250)))) AS keys,
             (SELECT group_concat(k, ', ') FROM (SELECT DISTINCT c.key_type || ' ' || c.key_bits AS k
                FROM v_scan_cert c WHERE c.scan_id = v.scan_id)) AS allkeys,
             (SELECT min(d.bits) FROM v_scan_dhe d WHERE d.scan_id = v.scan_id) AS mindhe,
             (SELECT group_concat(g.grp, ', ') FROM v_scan_group g WHERE g.scan_id = v.scan_id) AS grps,
             (SELECT group_concat(w, ', ') FROM (
                SELECT 'DHE ' || coalesce(d.prime, 'custom prime') || ' ' || d.bits || ' bits < 3000' AS w
                  FROM v_scan_dhe d WHERE d.scan_id = v.scan_id AND d.bits < 3000
                UNION ALL
                SELECT g.grp || CASE WHEN g.grp LIKE 'ffdhe%' THEN ' < 3000' ELSE ' < 250 bits' END
                  FROM v_scan_group g WHERE g.scan_id = v.scan_id AND (
                  (g.grp LIKE 'ffdhe%' AND CAST(substr(g.grp, 6) AS INTEGER) < 3000)
                  OR ((g.grp LIKE 'secp%' OR g.grp LIKE 'sect%') AND CAST(substr(g.grp, 5) AS INTEGER) < 250)
                  OR (g.grp LIKE 'brainpoolP%' AND CAST(substr(g.grp, 11) AS INTEGER) < 250)))) AS kx
      FROM v_scan v WHERE v.error IS NULL) e
