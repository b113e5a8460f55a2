-- id: pci-dss-4.0.1/4.2.1-trusted
-- title: Only trusted keys and certificates are accepted (chain validates to a trusted root)
-- severity: high
-- requirements: pci-dss-4.0.1:4.2.1
-- remediation: Serve a certificate chain that validates to a trusted root (a public CA,
--   or an internal CA the entity documents and trusts), with every intermediate; disable
--   anonymous (certificate-less) cipher suites.
-- description: PCI DSS v4.0.1 Req. 4.2.1 bullet 1 (PCI-4.2.1-a): only trusted keys and
--   certificates are accepted. Decided by the trust verdict of every chain the scan's full
--   handshakes got (v_scan_chain trusted, verify_error: OpenSSL against the scanner's trust
--   store or --ca-file), and by the accepted suites: an anonymous suite (ref_suite auth =
--   'anon') accepts keys with no certificate at all. 'skip' when no full handshake
--   completed and no anonymous suite was accepted.
SELECT e.resource,
       CASE WHEN e.untrusted IS NOT NULL OR e.anon IS NOT NULL THEN 'alarm'
            WHEN e.nchain = 0 THEN 'skip' ELSE 'ok' END AS status,
       CASE WHEN e.untrusted IS NOT NULL OR e.anon IS NOT NULL THEN
              trim(coalesce('not trusted: ' || e.untrusted, '')
                   || coalesce(CASE WHEN e.untrusted IS NOT NULL THEN '; ' ELSE '' END
                               || 'anonymous suites (no certificate): ' || e.anon, ''), '; ')
            WHEN e.nchain = 0 THEN 'no full handshake completed: no chain to validate'
            ELSE 'trusted: ' || e.trusted END AS reason,
       (SELECT json_group_array(x) FROM (SELECT 'scan:' || e.scan_id AS x UNION ALL
          SELECT DISTINCT 'cert:' || c.leaf_sha256 FROM v_scan_chain c
           WHERE c.scan_id = e.scan_id AND c.leaf_sha256 IS NOT NULL)) AS evidence
FROM (SELECT v.scan_id, v.resource,
             (SELECT count(*) FROM v_scan_chain c WHERE c.scan_id = v.scan_id
                 AND c.handshake_error IS NULL) AS nchain,
             (SELECT group_concat(c.requested || ' chain (leaf ' || coalesce(l.subject, '?') || ', issuer '
                                  || coalesce(l.issuer, '?') || '): '
                                  || coalesce(c.verify_error, 'not verified'), '; ')
                FROM v_scan_chain c LEFT JOIN v_scan_cert l
                  ON l.scan_id = c.scan_id AND l.chain = c.chain AND l.depth = 0
               WHERE c.scan_id = v.scan_id AND c.handshake_error IS NULL
                 AND c.trusted IS NOT 1) AS untrusted,
             (SELECT group_concat(c.requested || ' chain to ' || coalesce(json_extract(c.detail, '$.anchor'), '?'), '; ')
                FROM v_scan_chain c WHERE c.scan_id = v.scan_id AND c.handshake_error IS NULL
                 AND c.trusted = 1) AS trusted,
             (SELECT replace(group_concat(DISTINCT c.cipher), ',', ', ')
                FROM v_scan_cipher c JOIN ref_suite r ON r.name = c.cipher
               WHERE c.scan_id = v.scan_id AND r.auth = 'anon') AS anon
      FROM v_scan v WHERE v.error IS NULL) e
