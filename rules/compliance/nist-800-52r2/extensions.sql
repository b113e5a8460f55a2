-- id: nist-800-52r2/extensions
-- title: Extensions: secure renegotiation, extended master secret, OCSP stapling; no compression
-- severity: high
-- requirements: nist-800-52r2:NIST52-08, hipaa-hhs:HIPAA-02
-- remediation: Enable renegotiation indication (RFC 5746), extended master secret
--   (RFC 7627) and OCSP stapling (status_request); disable TLS compression.
-- description: NIST SP 800-52 Rev. 2 §3.4 (§3.4.1.1 renegotiation indication, §3.4.1.2
--   certificate status request, §3.4.1.8 extended master secret: shall support) and no
--   TLS compression. Renegotiation indication, EMS and compression are read from the
--   scan's features ($.features, probed at the highest version <= TLS 1.2: not applicable
--   to a TLS 1.3-only server, whose protocol has them built in or removed); OCSP stapling
--   from the default handshake's chain ($.chains[0].ocsp) or the TLS 1.2 status_request
--   echo, not applicable when the leaf names no OCSP responder (v_scan_chain
--   ocsp_applicable = 0). Not decidable from a scan, and not judged: truncated_hmac
--   (not probed), and SNI, signature_algorithms and supported_groups, which the server
--   honours only as the client sends them.
SELECT e.resource,
       CASE WHEN e.bad <> '' THEN 'alarm' WHEN e.fv IS NULL AND e.t13 IS NOT 1 THEN 'skip'
            ELSE 'ok' END AS status,
       CASE WHEN e.bad <> '' THEN rtrim(e.bad, '; ')
            WHEN e.fv IS NULL AND e.t13 IS NOT 1 THEN 'no TLS handshake gave extension facts'
            ELSE rtrim(CASE WHEN e.fv IS NULL THEN 'TLS 1.3 only: renegotiation, EMS and compression not applicable; '
                            ELSE 'secure renegotiation, extended master secret, no compression ('
                                 || e.fv || '); ' END
                       || CASE WHEN e.applicable = 0 THEN 'OCSP stapling not applicable (leaf names no OCSP responder)'
                               ELSE 'OCSP response stapled' END, '; ')
       END AS reason,
       json_array('scan:' || e.scan_id) AS evidence
FROM (SELECT f.scan_id, f.resource, f.fv, f.t13, f.applicable,
             CASE WHEN f.fv IS NOT NULL AND f.reneg IS NOT 1 THEN 'no secure renegotiation (RFC 5746); ' ELSE '' END
             || CASE WHEN f.fv IS NOT NULL AND f.ems IS NOT 1 THEN 'no extended master secret; ' ELSE '' END
             || CASE WHEN f.compression = 1 THEN 'TLS compression accepted; ' ELSE '' END
             || CASE WHEN f.applicable IS NOT 0 AND coalesce(f.stapled, 0) = 0 AND coalesce(f.status_req, 0) = 0
                          AND (f.fv IS NOT NULL OR f.t13 = 1)
                     THEN 'no OCSP response stapled (status_request not supported); ' ELSE '' END AS bad
      FROM (SELECT v.scan_id, v.resource,
                   json_extract(v.result, '$.features.version') AS fv,
                   json_extract(v.result, '$.protocols."TLSv1.3"') AS t13,
                   json_extract(v.result, '$.features.secure_renegotiation') AS reneg,
                   json_extract(v.result, '$.features.extended_master_secret') AS ems,
                   json_extract(v.result, '$.features.compression') AS compression,
                   json_extract(v.result, '$.features.ocsp_stapling') AS status_req,
                   (SELECT c.ocsp_stapled FROM v_scan_chain c
                     WHERE c.scan_id = v.scan_id AND c.chain = 0) AS stapled,
                   (SELECT c.ocsp_applicable FROM v_scan_chain c
                     WHERE c.scan_id = v.scan_id AND c.chain = 0) AS applicable
            FROM v_scan v WHERE v.error IS NULL) f) e
