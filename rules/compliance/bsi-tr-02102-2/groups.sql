-- id: bsi-tr-02102-2/groups
-- title: Key exchange groups from the TR's list (NIST and brainpool curves, ffdhe3072+)
-- severity: medium
-- requirements: bsi-tr-02102-2:BSI-04
-- remediation: Offer secp256r1, secp384r1, secp521r1, brainpoolP256r1/384r1/512r1 (TLS 1.3:
--   the tls13 variants), ffdhe3072 or larger, and hybrids of these with ML-KEM.
-- description: BSI TR-02102-2 (edition 2026-01): recommended groups secp256r1, secp384r1,
--   secp521r1, brainpoolP256r1, brainpoolP384r1, brainpoolP512r1 (TLS 1.3:
--   brainpoolP256r1tls13 ...), ffdhe3072, ffdhe4096, ffdhe6144, ffdhe8192; hybrid ML-KEM key
--   exchange for long-term confidentiality (SecP256r1MLKEM768, SecP384r1MLKEM1024 counted
--   as listed). This list is reconstructed and UNVERIFIED; in particular the status of
--   x25519, x448 and X25519MLKEM768 in the current TR is unverified, so those give
--   'alarm' with severity low, any other unlisted group severity medium. Groups from
--   v_scan_group.
SELECT e.resource,
       CASE WHEN e.other IS NOT NULL OR e.unsure IS NOT NULL THEN 'alarm'
            WHEN e.n = 0 THEN 'skip' ELSE 'ok' END AS status,
       CASE WHEN e.other IS NOT NULL OR e.unsure IS NOT NULL THEN
              trim(coalesce('not in TR-02102-2 (unverified list): ' || e.other, '')
                   || coalesce(CASE WHEN e.other IS NOT NULL THEN '; ' ELSE '' END
                               || 'status in the TR unverified: ' || e.unsure, ''), '; ')
            WHEN e.n = 0 THEN 'no key exchange group in the scan'
            ELSE 'groups: ' || e.grps END AS reason,
       json_array('scan:' || e.scan_id) AS evidence,
       CASE WHEN e.other IS NULL AND e.unsure IS NOT NULL THEN 'low' END AS severity
FROM (SELECT v.scan_id, v.resource,
             (SELECT count(*) FROM v_scan_group g WHERE g.scan_id = v.scan_id) AS n,
             (SELECT group_concat(g.grp, ', ') FROM v_scan_group g WHERE g.scan_id = v.scan_id) AS grps,
             (SELECT group_concat(g.grp, ', ') FROM v_scan_group g WHERE g.scan_id = v.scan_id
                 AND g.grp IN ('x25519', 'x448', 'X25519MLKEM768')) AS unsure,
             (SELECT group_concat(g.grp, ', ') FROM v_scan_group g WHERE g.scan_id = v.scan_id
                 AND g.grp NOT IN ('x25519', 'x448', 'X25519MLKEM768', 'secp256r1', 'secp384r1',
                   'secp521r1', 'brainpoolP256r1', 'brainpoolP384r1', 'brainpoolP512r1',
                   'brainpoolP256r1tls13', 'brainpoolP384r1tls13', 'brainpoolP512r1tls13',
                   'ffdhe3072', 'ffdhe4096', 'ffdhe6144', 'ffdhe8192', 'SecP256r1MLKEM768',
                   'SecP384r1MLKEM1024')) AS other
      FROM v_scan v WHERE v.error IS NULL) e
