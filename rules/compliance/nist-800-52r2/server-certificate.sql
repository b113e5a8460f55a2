-- id: nist-800-52r2/server-certificate
-- title: Server certificate: X.509v3, RSA >= 2048 or ECDSA P-256/P-384, SHA-2 signature, serverAuth, SAN
-- severity: high
-- requirements: nist-800-52r2:NIST52-06, hipaa-hhs:HIPAA-02
-- remediation: Issue the server certificate as X.509 v3 with an RSA key of at least 2048
--   bits or an ECDSA key on P-256 or P-384, signed with SHA-256 or stronger, with the
--   extended key usage id-kp-serverAuth and a subjectAltName.
-- description: NIST SP 800-52 Rev. 2 §3.2.1 (Table 3-1, server certificate profile).
--   Checked on the leaf of every chain the scan's full handshakes got (v_scan_cert depth 0:
--   a dual-certificate server has several). Signature hashes accepted: SHA-256, SHA-384,
--   SHA-512 (and SHA-3 of the same sizes). 'skip' when no handshake gave a certificate.
SELECT e.resource,
       CASE WHEN e.n = 0 THEN 'skip' WHEN e.bad IS NOT NULL THEN 'alarm' ELSE 'ok' END AS status,
       CASE WHEN e.n = 0 THEN 'no server certificate: no full handshake completed'
            WHEN e.bad IS NOT NULL THEN e.bad
            ELSE e.good END AS reason,
       (SELECT json_group_array(x) FROM (SELECT 'scan:' || e.scan_id AS x UNION ALL
          SELECT DISTINCT 'cert:' || l.sha256 FROM v_scan_cert l
           WHERE l.scan_id = e.scan_id AND l.depth = 0)) AS evidence
FROM (SELECT v.scan_id, v.resource,
             (SELECT count(*) FROM v_scan_cert l WHERE l.scan_id = v.scan_id AND l.depth = 0) AS n,
             (SELECT group_concat(p, '; ') FROM (
                SELECT DISTINCT coalesce(l.subject, '?') || ': ' || rtrim(
                  CASE WHEN coalesce(json_extract(l.facts, '$.version'), 0) <> 3
                       THEN 'version ' || coalesce(json_extract(l.facts, '$.version'), '?') || ' (not v3), ' ELSE '' END
                  || CASE WHEN (l.key_type IN ('RSA', 'RSA-PSS') AND l.key_bits >= 2048)
                            OR (l.key_type = 'ECDSA' AND l.curve IN ('secp256r1', 'secp384r1')) THEN ''
                          ELSE 'key ' || coalesce(l.key_type, '?') || ' ' || coalesce(l.curve, l.key_bits, '?')
                               || ' (not RSA >= 2048 or ECDSA P-256/P-384), ' END
                  || CASE WHEN l.sig_hash IN ('sha256', 'sha384', 'sha512', 'sha3-256', 'sha3-384', 'sha3-512')
                          THEN '' ELSE 'signature ' || coalesce(l.sig_alg, '?') || ' (hash '
                               || coalesce(l.sig_hash, 'none') || ', not SHA-256 or stronger), ' END
                  || CASE WHEN EXISTS (SELECT 1 FROM json_each(l.facts, '$.extended_key_usage') k
                                        WHERE k.value = 'serverAuth') THEN ''
                          ELSE 'no serverAuth extended key usage, ' END
                  || CASE WHEN coalesce(l.san_count, 0) > 0 THEN '' ELSE 'no subjectAltName, ' END,
                  ', ') AS p
                FROM v_scan_cert l WHERE l.scan_id = v.scan_id AND l.depth = 0)
              WHERE p NOT LIKE '%: ') AS bad,
             (SELECT group_concat(g, '; ') FROM (
                SELECT DISTINCT l.subject || ': v3, ' || l.key_type || ' ' || coalesce(l.curve, l.key_bits)
                       || ', ' || l.sig_alg || ', serverAuth, ' || l.san_count || ' SAN' AS g
                FROM v_scan_cert l WHERE l.scan_id = v.scan_id AND l.depth = 0)) AS good
      FROM v_scan v WHERE v.error IS NULL) e
