-- id: bsi-tr-02102-2/extensions
-- title: Extensions: encrypt-then-MAC with CBC, extended master secret, secure renegotiation; no compression, no heartbeat
-- severity: high
-- requirements: bsi-tr-02102-2:BSI-06
-- remediation: Enable encrypt-then-MAC (RFC 7366) where CBC suites remain, extended master
--   secret (RFC 7627) and renegotiation indication (RFC 5746); disable TLS compression,
--   the heartbeat extension, truncated HMAC and 0-RTT.
-- description: BSI TR-02102-2 (edition 2026-01): encrypt-then-MAC with CBC suites, extended
--   master secret, renegotiation only per RFC 5746, no TLS compression, no heartbeat, no
--   truncated HMAC, no 0-RTT. From the scan's features ($.features: probed at the highest
--   version <= TLS 1.2; not applicable to a TLS 1.3-only server) and the accepted CBC
--   suites (ref_suite mode = 'CBC'). Truncated HMAC and 0-RTT (early data) are not probed
--   by the scanner: not judged, and the reason says so.
SELECT e.resource,
       CASE WHEN e.bad <> '' THEN 'alarm' WHEN e.fv IS NULL AND e.t13 IS NOT 1 THEN 'skip'
            ELSE 'ok' END AS status,
       CASE WHEN e.bad <> '' THEN rtrim(e.bad, '; ')
            WHEN e.fv IS NULL AND e.t13 IS NOT 1 THEN 'no TLS handshake gave extension facts'
            WHEN e.fv IS NULL THEN 'TLS 1.3 only: EMS, renegotiation, encrypt-then-MAC, compression'
                 || ' not applicable; truncated HMAC and 0-RTT not probed'
            ELSE 'extended master secret, secure renegotiation, '
                 || CASE WHEN e.cbc > 0 THEN 'encrypt-then-MAC with CBC, ' ELSE 'no CBC suite, ' END
                 || 'no compression, no heartbeat (' || e.fv || '); truncated HMAC and 0-RTT not probed' END AS reason,
       json_array('scan:' || e.scan_id) AS evidence
FROM (SELECT f.*,
             CASE WHEN f.fv IS NOT NULL AND f.ems IS NOT 1 THEN 'no extended master secret; ' ELSE '' END
             || CASE WHEN f.fv IS NOT NULL AND f.reneg IS NOT 1 THEN 'no secure renegotiation (RFC 5746); ' ELSE '' END
             || CASE WHEN f.fv IS NOT NULL AND f.cbc > 0 AND f.etm IS NOT 1
                     THEN 'CBC suites without encrypt-then-MAC; ' ELSE '' END
             || CASE WHEN f.compression = 1 THEN 'TLS compression accepted; ' ELSE '' END
             || CASE WHEN f.heartbeat = 1 THEN 'heartbeat extension accepted; ' ELSE '' END AS bad
      FROM (SELECT v.scan_id, v.resource,
                   json_extract(v.result, '$.features.version') AS fv,
                   json_extract(v.result, '$.protocols."TLSv1.3"') AS t13,
                   json_extract(v.result, '$.features.secure_renegotiation') AS reneg,
                   json_extract(v.result, '$.features.extended_master_secret') AS ems,
                   json_extract(v.result, '$.features.encrypt_then_mac') AS etm,
                   json_extract(v.result, '$.features.compression') AS compression,
                   json_extract(v.result, '$.features.heartbeat') AS heartbeat,
                   (SELECT count(*) FROM v_scan_cipher c JOIN ref_suite r ON r.name = c.cipher
                     WHERE c.scan_id = v.scan_id AND c.version <> 'TLSv1.3' AND r.mode = 'CBC') AS cbc
            FROM v_scan v WHERE v.error IS NULL) f) e
