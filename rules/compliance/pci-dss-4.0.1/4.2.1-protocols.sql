-- id: pci-dss-4.0.1/4.2.1-protocols
-- title: Only secure protocol versions (no SSL, no early TLS) and no fallback (TLS_FALLBACK_SCSV)
-- severity: high
-- requirements: pci-dss-4.0.1:4.2.1
-- remediation: Disable SSLv2, SSLv3 and TLS 1.0 (and TLS 1.1: TLS 1.2 and 1.3 only);
--   honour TLS_FALLBACK_SCSV (RFC 7507) while several versions are enabled.
-- description: PCI DSS v4.0.1 Req. 4.2.1 bullet 3 (PCI-4.2.1-c): the protocol in use
--   supports only secure versions or configurations and does not support fallback to, or
--   use of, insecure versions. SSL and early TLS (TLS 1.0) are not strong cryptography
--   (PCI SSC 'Migrating from SSL and Early TLS'): 'alarm', severity high. TLS 1.1 is
--   accepted by PCI SSC only when securely configured, TLS 1.2+ recommended: 'alarm',
--   severity medium. A server with several versions that does not abort a
--   TLS_FALLBACK_SCSV hello at a lower version ($.fallback_scsv false) permits fallback:
--   'alarm', severity medium. Versions from v_scan_protocol. Weak suites and key sizes are
--   judged by pci-dss-4.0.1/4.2.1-strength.
SELECT e.resource,
       CASE WHEN e.insecure IS NOT NULL OR e.tls11 = 1 OR (e.nsup > 1 AND e.scsv = 0) THEN 'alarm'
            WHEN e.nsup = 0 THEN 'skip' ELSE 'ok' END AS status,
       CASE WHEN e.insecure IS NOT NULL OR e.tls11 = 1 OR (e.nsup > 1 AND e.scsv = 0) THEN
              rtrim(coalesce('SSL/early TLS accepted: ' || e.insecure || '; ', '')
                    || CASE WHEN e.tls11 = 1 THEN 'TLSv1.1 accepted (only if securely configured; TLS 1.2+ recommended); ' ELSE '' END
                    || CASE WHEN e.nsup > 1 AND e.scsv = 0 THEN 'TLS_FALLBACK_SCSV not enforced with '
                            || e.versions || '; ' ELSE '' END, '; ')
            WHEN e.nsup = 0 THEN 'no protocol version accepted'
            ELSE 'accepted: ' || e.versions || '; '
                 || CASE WHEN e.nsup = 1 THEN 'one version only (no fallback possible)'
                         WHEN e.scsv = 1 THEN 'TLS_FALLBACK_SCSV enforced'
                         ELSE 'TLS_FALLBACK_SCSV not tested' END END AS reason,
       json_array('scan:' || e.scan_id) AS evidence,
       CASE WHEN e.insecure IS NULL AND (e.tls11 = 1 OR (e.nsup > 1 AND e.scsv = 0)) THEN 'medium' END AS severity
FROM (SELECT v.scan_id, v.resource,
             json_extract(v.result, '$.fallback_scsv') AS scsv,
             (SELECT group_concat(p.version, ', ') FROM v_scan_protocol p WHERE p.scan_id = v.scan_id
                 AND p.supported = 1 AND p.version IN ('SSLv2', 'SSLv3', 'TLSv1.0')) AS insecure,
             (SELECT p.supported FROM v_scan_protocol p WHERE p.scan_id = v.scan_id
                 AND p.version = 'TLSv1.1') AS tls11,
             (SELECT count(*) FROM v_scan_protocol p WHERE p.scan_id = v.scan_id AND p.supported = 1) AS nsup,
             (SELECT group_concat(p.version, ', ') FROM v_scan_protocol p WHERE p.scan_id = v.scan_id
                 AND p.supported = 1) AS versions
      FROM v_scan v WHERE v.error IS NULL) e
