-- id: pci-dss-4.0.1/asv-ssl
-- title: ASV external scan: SSL and early TLS are automatic failures
-- severity: high
-- requirements: pci-dss-4.0.1:ASV-SSL
-- remediation: Disable SSLv2, SSLv3 and TLS 1.0 on externally facing endpoints (the POS POI
--   exception of PCI DSS Appendix A2 aside).
-- description: PCI ASV Program Guide v4.0 and PCI DSS Appendix A2: in the quarterly
--   external vulnerability scan by an Approved Scanning Vendor, SSL and early TLS are an
--   automatic failure (POS POI terminals excepted) and any finding of CVSS >= 4.0 fails.
--   This scan is not an ASV scan, and whether the endpoint is externally facing or a POS
--   POI terminal is not known: a server accepting SSL or TLS 1.0 gets 'info' (an ASV scan
--   of it would fail if it is external), the others 'skip' (CVSS findings not assessed).
SELECT v.resource,
       CASE WHEN i.bad IS NOT NULL THEN 'info' ELSE 'skip' END AS status,
       CASE WHEN i.bad IS NOT NULL
            THEN 'accepts ' || i.bad || ': an ASV scan fails this endpoint if it is externally'
                 || ' facing (unless it is a POS POI terminal under Appendix A2)'
            ELSE 'not an ASV scan: no SSL or TLS 1.0 accepted; externally facing unknown;'
                 || ' CVSS >= 4.0 findings not assessed' END AS reason,
       json_array('scan:' || v.scan_id) AS evidence
FROM v_scan v JOIN (SELECT s.scan_id,
                           (SELECT group_concat(p.version, ', ') FROM v_scan_protocol p
                             WHERE p.scan_id = s.scan_id AND p.supported = 1
                               AND p.version IN ('SSLv2', 'SSLv3', 'TLSv1.0')) AS bad
                    FROM v_scan s) i ON i.scan_id = v.scan_id
WHERE v.error IS NULL
