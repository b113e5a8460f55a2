-- id: nist-800-52r2/groups
-- title: Key exchange groups: NIST curves P-256/P-384/P-521 and DH >= 2048 bits
-- severity: high
-- requirements: nist-800-52r2:NIST52-07, hipaa-hhs:HIPAA-02
-- remediation: Offer only secp256r1, secp384r1, secp521r1 and ffdhe2048 or larger; use
--   DHE parameters of at least 2048 bits.
-- description: NIST SP 800-52 Rev. 2 §3.3.1.3 and §3.4.2.x (key exchange per SP 800-56A):
--   elliptic curve groups P-256, P-384, P-521; finite field groups of at least 2048 bits.
--   x25519, x448, brainpool and hybrid ML-KEM groups are not in SP 800-52r2 (NIST's
--   verdict, not Mozilla's). Groups from v_scan_group, DHE primes from v_scan_dhe.
--   'alarm' (high) for DHE or finite field groups below 2048 bits or curves below 224
--   bits, 'alarm' (medium) when the only problem is an unlisted group of adequate size.
SELECT e.resource,
       CASE WHEN e.weak IS NOT NULL OR e.unlisted IS NOT NULL THEN 'alarm'
            WHEN e.ng = 0 AND e.nd = 0 THEN 'skip' ELSE 'ok' END AS status,
       CASE WHEN e.weak IS NOT NULL OR e.unlisted IS NOT NULL THEN
              trim(coalesce('too small: ' || e.weak, '')
                   || coalesce(CASE WHEN e.weak IS NOT NULL THEN '; ' ELSE '' END
                               || 'not in SP 800-52r2: ' || e.unlisted, ''), '; ')
            WHEN e.ng = 0 AND e.nd = 0 THEN 'no (EC)DHE group or DHE prime in the scan'
            ELSE 'groups: ' || coalesce(e.grps, 'none') || '; DHE: '
                 || coalesce(e.dhe, 'none') END AS reason,
       json_array('scan:' || e.scan_id) AS evidence,
       CASE WHEN e.weak IS NULL AND e.unlisted IS NOT NULL THEN 'medium' END AS severity
FROM (SELECT v.scan_id, v.resource,
             (SELECT count(*) FROM v_scan_group g WHERE g.scan_id = v.scan_id) AS ng,
             (SELECT count(*) FROM v_scan_dhe d WHERE d.scan_id = v.scan_id) AS nd,
             (SELECT group_concat(g.grp, ', ') FROM v_scan_group g WHERE g.scan_id = v.scan_id) AS grps,
             (SELECT group_concat(coalesce(d.prime, 'custom') || ' ' || d.bits || ' bits', ', ')
                FROM v_scan_dhe d WHERE d.scan_id = v.scan_id) AS dhe,
             (SELECT group_concat(w, ', ') FROM (
                SELECT 'DHE ' || coalesce(d.prime, 'custom prime') || ' ' || d.bits || ' bits' AS w
                  FROM v_scan_dhe d WHERE d.scan_id = v.scan_id AND d.bits < 2048
                UNION ALL
                SELECT g.grp AS w FROM v_scan_group g WHERE g.scan_id = v.scan_id AND (
                  (g.grp LIKE 'ffdhe%' AND CAST(substr(g.grp, 6) AS INTEGER) < 2048)
                  OR ((g.grp LIKE 'secp%' OR g.grp LIKE 'sect%') AND CAST(substr(g.grp, 5) AS INTEGER) < 224)
                  OR (g.grp LIKE 'brainpoolP%' AND CAST(substr(g.grp, 11) AS INTEGER) < 224)))) AS weak,
             (SELECT group_concat(g.grp, ', ') FROM v_scan_group g WHERE g.scan_id = v.scan_id
                 AND g.grp NOT IN ('secp256r1', 'secp384r1', 'secp521r1', 'ffdhe2048', 'ffdhe3072',
                                   'ffdhe4096', 'ffdhe6144', 'ffdhe8192')
                 AND NOT ((g.grp LIKE 'ffdhe%' AND CAST(substr(g.grp, 6) AS INTEGER) < 2048)
                  OR ((g.grp LIKE 'secp%' OR g.grp LIKE 'sect%') AND CAST(substr(g.grp, 5) AS INTEGER) < 224)
                  OR (g.grp LIKE 'brainpoolP%' AND CAST(substr(g.grp, 11) AS INTEGER) < 224))) AS unlisted
      FROM v_scan v WHERE v.error IS NULL) e
