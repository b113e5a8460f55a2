-- id: pci-dss-4.0.1/4.2.1.1-certificate-inventory
-- title: Inventory of the certificates the endpoints present
-- severity: info
-- requirements: pci-dss-4.0.1:4.2.1.1
-- remediation: Keep the inventory of trusted keys and certificates used to protect PAN
--   during transmission up to date (tlsscope inventory import).
-- description: PCI DSS v4.0.1 Req. 4.2.1.1: an inventory of the entity's trusted keys and
--   certificates used to protect PAN during transmission is maintained. One 'info' row per
--   certificate of every endpoint (every certificate of every chain the latest scan's full
--   handshakes got, v_scan_cert), with subject, issuer, expiry, key, where it was seen
--   (chain and depth), whether its chain is trusted (v_scan_chain), and whether the
--   authorized inventory (table inventory) lists it. The resource is the endpoint followed
--   by ' cert:' and the certificate's SHA-256, so each certificate has its own finding.
--   Whether a certificate protects PAN, and the inventory's review, are for the entity.
SELECT c.resource || ' cert:' || c.sha256 AS resource, 'info' AS status,
       'subject ' || coalesce(c.subject, '?') || '; issuer ' || coalesce(c.issuer, '?')
       || '; expires ' || coalesce(c.not_after, '?') || '; key ' || coalesce(c.key_type, '?') || ' '
       || coalesce(c.curve, c.key_bits, '?') || '; ' || CASE WHEN min(c.depth) = 0 THEN 'leaf' ELSE 'depth ' || min(c.depth) END
       || ' of the ' || group_concat(DISTINCT ch.requested) || ' chain; trusted: '
       || CASE max(coalesce(ch.trusted, -1)) WHEN 1 THEN 'yes' WHEN 0 THEN 'no ('
               || coalesce(max(ch.verify_error), 'not trusted') || ')' ELSE 'not verified' END
       || '; inventory: ' || CASE WHEN EXISTS (SELECT 1 FROM inventory i WHERE i.cert_sha256 = c.sha256)
                                  THEN 'listed' ELSE 'not listed' END AS reason,
       json_array('scan:' || c.scan_id, 'cert:' || c.sha256) AS evidence
FROM v_scan_cert c LEFT JOIN v_scan_chain ch ON ch.scan_id = c.scan_id AND ch.chain = c.chain
GROUP BY c.scan_id, c.resource, c.sha256
