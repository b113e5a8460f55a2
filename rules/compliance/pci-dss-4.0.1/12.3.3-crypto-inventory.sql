-- id: pci-dss-4.0.1/12.3.3-crypto-inventory
-- title: Inventory of the protocol versions, cipher suites and groups in use
-- severity: info
-- requirements: pci-dss-4.0.1:12.3.3
-- remediation: Review the cryptographic cipher suites and protocols in use at least once
--   every 12 months, with their purpose and where they are used.
-- description: PCI DSS v4.0.1 Req. 12.3.3: cryptographic cipher suites and protocols in
--   use are documented and reviewed at least once every 12 months. One 'info' row per
--   scanned endpoint listing the accepted versions (v_scan_protocol), the accepted suites
--   of each version (v_scan_cipher, in the scan's order) and the key exchange groups
--   (v_scan_group). The purpose of each endpoint and the yearly review are for the entity.
SELECT v.resource, 'info' AS status,
       'protocols ' || coalesce((SELECT group_concat(p.version, ', ') FROM v_scan_protocol p
                                  WHERE p.scan_id = v.scan_id AND p.supported = 1), 'none')
       || coalesce((SELECT '; ' || group_concat(vs, '; ') FROM (
            SELECT x.version || ' suites: ' || (SELECT group_concat(c.cipher, ', ') FROM
              (SELECT c2.cipher FROM v_scan_cipher c2 WHERE c2.scan_id = v.scan_id
                  AND c2.version = x.version ORDER BY CAST(c2.pos AS INTEGER)) c) AS vs
            FROM (SELECT DISTINCT c1.version FROM v_scan_cipher c1 WHERE c1.scan_id = v.scan_id
                  ORDER BY c1.version) x)), '')
       || '; groups ' || coalesce((SELECT group_concat(g.grp, ', ') FROM v_scan_group g
                                    WHERE g.scan_id = v.scan_id), 'none') AS reason,
       json_array('scan:' || v.scan_id) AS evidence
FROM v_scan v WHERE v.error IS NULL
