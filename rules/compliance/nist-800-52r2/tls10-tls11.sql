-- id: nist-800-52r2/tls10-tls11
-- title: TLS 1.0 and TLS 1.1 (allowed only for servers that are not government-only)
-- severity: high
-- requirements: nist-800-52r2:NIST52-04, hipaa-hhs:HIPAA-02
-- remediation: If the server supports government-only applications, disable TLS 1.0
--   (shall not) and TLS 1.1 (should not). A citizen- or business-facing server may keep
--   them only where needed for interoperability with non-government systems.
-- description: NIST SP 800-52 Rev. 2 §3.1: servers that support government-only
--   applications shall not use TLS 1.0 and should not use TLS 1.1; servers that support
--   citizen or business-facing applications may be configured to support TLS 1.0 and 1.1
--   when needed. Whether a server is government-only is a context fact the store does not
--   hold, so a server that accepts TLS 1.0 or 1.1 gets 'info' stating the fact, and its
--   verdict is left to the operator; a server that refuses both satisfies the rule in
--   every context ('ok').
SELECT resource,
       CASE WHEN sum(supported = 1) > 0 THEN 'info'
            WHEN count(supported) < 2 THEN 'skip' ELSE 'ok' END AS status,
       CASE WHEN sum(supported = 1) > 0
              THEN 'accepted: ' || group_concat(CASE WHEN supported = 1 THEN version END, ', ')
                   || '; not allowed if the server is government-only (TLS 1.0 shall not, TLS 1.1'
                   || ' should not), allowed if needed for citizen/business-facing servers'
            WHEN count(supported) < 2
              THEN 'not tested: ' || group_concat(CASE WHEN supported IS NULL THEN version END, ', ')
            ELSE 'TLSv1.0 and TLSv1.1 refused' END AS reason,
       json_array('scan:' || scan_id) AS evidence,
       CASE WHEN sum(supported = 1) > 0 THEN 'info' END AS severity
FROM v_scan_protocol WHERE version IN ('TLSv1.0', 'TLSv1.1') GROUP BY scan_id, resource
