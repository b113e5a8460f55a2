-- id: pci-dss-4.0.1/4.2.1-valid
-- title: Certificates are valid, not expired and not revoked
-- severity: high
-- requirements: pci-dss-4.0.1:4.2.1
-- remediation: Replace expired, not yet valid or revoked certificates and certificates that
--   do not name the server; staple a current OCSP response.
-- description: PCI DSS v4.0.1 Req. 4.2.1 bullet 2 (PCI-4.2.1-b, mandatory since
--   2025-03-31): certificates used for PAN transmissions are confirmed as valid and are
--   not expired or revoked. Every certificate of every chain the scan's full handshakes got
--   (v_scan_cert) is checked against the scan's time (not_before <= finished <= not_after);
--   the leaf against the name scanned (v_scan_chain hostname_match); revocation by the
--   stapled OCSP response (v_scan_chain ocsp_status) when there is one. Without a staple,
--   revocation is not checked (no CRL or OCSP fetch): the reason says so and the status
--   rests on validity alone. 'skip' when no full handshake completed.
SELECT e.resource,
       CASE WHEN e.n = 0 THEN 'skip' WHEN e.bad IS NOT NULL THEN 'alarm' ELSE 'ok' END AS status,
       CASE WHEN e.n = 0 THEN 'no full handshake completed: no certificate to check'
            WHEN e.bad IS NOT NULL THEN e.bad
            ELSE 'valid at the scan (' || e.at || '): ' || e.good END AS reason,
       (SELECT json_group_array(x) FROM (SELECT 'scan:' || e.scan_id AS x UNION ALL
          SELECT DISTINCT 'cert:' || c.sha256 FROM v_scan_cert c WHERE c.scan_id = e.scan_id)) AS evidence
FROM (SELECT v.scan_id, v.resource, v.finished AS at,
             (SELECT count(*) FROM v_scan_chain c WHERE c.scan_id = v.scan_id
                 AND c.handshake_error IS NULL) AS n,
             (SELECT group_concat(b, '; ') FROM (
                SELECT DISTINCT 'expired ' || c.not_after || ': ' || c.subject AS b FROM v_scan_cert c
                 WHERE c.scan_id = v.scan_id AND julianday(c.not_after) < julianday(v.finished)
                UNION ALL
                SELECT DISTINCT 'not valid before ' || c.not_before || ': ' || c.subject FROM v_scan_cert c
                 WHERE c.scan_id = v.scan_id AND julianday(c.not_before) > julianday(v.finished)
                UNION ALL
                SELECT 'revoked (stapled OCSP, response '
                       || CASE WHEN ch.ocsp_verified = 1 THEN 'verified' ELSE 'not verified' END
                       || coalesce(', ' || json_extract(ch.detail, '$.ocsp.revocation_time'), '') || '): '
                       || coalesce(l.subject, ch.leaf_sha256)
                  FROM v_scan_chain ch LEFT JOIN v_scan_cert l
                    ON l.scan_id = ch.scan_id AND l.chain = ch.chain AND l.depth = 0
                 WHERE ch.scan_id = v.scan_id AND ch.ocsp_status = 'revoked'
                UNION ALL
                SELECT 'name mismatch (' || ch.requested || ' chain): ' || coalesce(l.subject, ch.leaf_sha256)
                  FROM v_scan_chain ch LEFT JOIN v_scan_cert l
                    ON l.scan_id = ch.scan_id AND l.chain = ch.chain AND l.depth = 0
                 WHERE ch.scan_id = v.scan_id AND ch.hostname_match = 0 AND ch.handshake_error IS NULL)) AS bad,
             (SELECT group_concat(g, '; ') FROM (
                SELECT coalesce(l.subject, ch.leaf_sha256) || ' until ' || coalesce(l.not_after, '?') || ', '
                       || CASE WHEN ch.ocsp_stapled = 1 AND ch.ocsp_status = 'good'
                               THEN 'OCSP good (stapled, ' || CASE WHEN ch.ocsp_verified = 1 THEN 'verified'
                                    ELSE 'not verified' END || ')'
                               WHEN ch.ocsp_stapled = 1 THEN 'OCSP status ' || coalesce(ch.ocsp_status, 'unknown')
                               ELSE 'revocation not checked (no stapled OCSP response)' END AS g
                  FROM v_scan_chain ch LEFT JOIN v_scan_cert l
                    ON l.scan_id = ch.scan_id AND l.chain = ch.chain AND l.depth = 0
                 WHERE ch.scan_id = v.scan_id AND ch.handshake_error IS NULL)) AS good
      FROM v_scan v WHERE v.error IS NULL) e
