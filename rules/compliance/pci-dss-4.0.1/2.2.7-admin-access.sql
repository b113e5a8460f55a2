-- id: pci-dss-4.0.1/2.2.7-admin-access
-- title: Non-console administrative access is encrypted with strong cryptography
-- severity: high
-- requirements: pci-dss-4.0.1:2.2.7
-- remediation: Identify the administrative interfaces (web consoles, management APIs) and
--   make them pass the 4.2.1 protocol and strength rules.
-- description: PCI DSS v4.0.1 Req. 2.2.7: all non-console administrative access is
--   encrypted using strong cryptography. A scan cannot tell whether an endpoint carries
--   administrative access: 'skip' for every endpoint; when one does, the verdicts of
--   pci-dss-4.0.1/4.2.1-protocols and 4.2.1-strength on it decide this requirement.
SELECT resource, 'skip' AS status,
       'undecidable from a scan: whether this endpoint carries non-console administrative'
       || ' access is not known; if it does, 4.2.1-protocols and 4.2.1-strength decide' AS reason,
       json_array('scan:' || scan_id) AS evidence
FROM v_scan WHERE error IS NULL
