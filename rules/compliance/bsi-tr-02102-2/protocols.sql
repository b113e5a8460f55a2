-- id: bsi-tr-02102-2/protocols
-- title: Only TLS 1.2 and TLS 1.3 are accepted
-- severity: high
-- requirements: bsi-tr-02102-2:BSI-01
-- remediation: Disable SSLv2, SSLv3, TLS 1.0 and TLS 1.1; accept TLS 1.2 and TLS 1.3.
-- description: BSI TR-02102-2 (edition 2026-01): TLS 1.2 and TLS 1.3 are recommended (TLS
--   1.2 through 2031); SSL 2.0, SSL 3.0, TLS 1.0 and TLS 1.1 are not. Versions from
--   v_scan_protocol. 'skip' when no version was accepted.
SELECT resource,
       CASE WHEN sum(supported = 1 AND version NOT IN ('TLSv1.2', 'TLSv1.3')) > 0 THEN 'alarm'
            WHEN sum(supported = 1) = 0 THEN 'skip' ELSE 'ok' END AS status,
       CASE WHEN sum(supported = 1 AND version NOT IN ('TLSv1.2', 'TLSv1.3')) > 0
              THEN 'not recommended: ' || group_concat(CASE WHEN supported = 1 AND version NOT IN
                   ('TLSv1.2', 'TLSv1.3') THEN version END, ', ')
            WHEN sum(supported = 1) = 0 THEN 'no protocol version accepted'
            ELSE 'accepted: ' || group_concat(CASE WHEN supported = 1 THEN version END, ', ') END AS reason,
       json_array('scan:' || scan_id) AS evidence
FROM v_scan_protocol GROUP BY scan_id, resource
