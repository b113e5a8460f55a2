-- id: nist-800-52r2/tls13-supported
-- title: TLS 1.3 is supported
-- severity: medium
-- requirements: nist-800-52r2:NIST52-02, hipaa-hhs:HIPAA-02
-- remediation: Enable TLS 1.3 on the server.
-- description: NIST SP 800-52 Rev. 2 §3.1: servers should be configured to use TLS 1.3,
--   and agencies shall support TLS 1.3 by January 1, 2024. Decided by the scan's TLS
--   1.3-only probe (v_scan_protocol); 'skip' when that version was not tested.
SELECT p.resource,
       CASE p.supported WHEN 1 THEN 'ok' WHEN 0 THEN 'alarm' ELSE 'skip' END AS status,
       CASE p.supported
         WHEN 1 THEN 'TLSv1.3 accepted'
         WHEN 0 THEN 'TLSv1.3 refused; accepted: ' || coalesce((SELECT group_concat(q.version, ', ')
                 FROM v_scan_protocol q WHERE q.scan_id = p.scan_id AND q.supported = 1), 'none')
         ELSE 'TLSv1.3 was not tested by the scan'
       END AS reason,
       json_array('scan:' || p.scan_id) AS evidence
FROM v_scan_protocol p WHERE p.version = 'TLSv1.3'
