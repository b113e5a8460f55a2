-- id: nist-800-52r2/no-ssl
-- title: SSL 2.0 and SSL 3.0 are not supported
-- severity: critical
-- requirements: nist-800-52r2:NIST52-03, hipaa-hhs:HIPAA-02
-- remediation: Disable SSL 2.0 and SSL 3.0 on the server.
-- description: NIST SP 800-52 Rev. 2 §3.1: servers shall not support SSL 2.0 or SSL 3.0.
--   Decided by the scan's SSLv2 and SSLv3 probes (v_scan_protocol); 'skip' when neither
--   is accepted and one of them was not tested.
SELECT resource,
       CASE WHEN sum(supported = 1) > 0 THEN 'alarm'
            WHEN count(supported) < 2 THEN 'skip' ELSE 'ok' END AS status,
       CASE WHEN sum(supported = 1) > 0
              THEN 'accepted: ' || group_concat(CASE WHEN supported = 1 THEN version END, ', ')
            WHEN count(supported) < 2
              THEN 'not tested: ' || group_concat(CASE WHEN supported IS NULL THEN version END, ', ')
            ELSE 'SSLv2 and SSLv3 refused' END AS reason,
       json_array('scan:' || scan_id) AS evidence
FROM v_scan_protocol WHERE version IN ('SSLv2', 'SSLv3') GROUP BY scan_id, resource
