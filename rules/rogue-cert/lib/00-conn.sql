-- view: rc_conn
-- description: Every connection of v_conn with its leaf (connections.server_cert_sha256, TLS
--   1.2 and below) and that leaf's facts for the rules of rules/rogue-cert/: cert (the leaf's
--   sha256 when the certificate is stored, else NULL), subject, issuer, spki_sha256,
--   not_before, self_signed, aki (its authorityKeyIdentifier).
CREATE TEMP VIEW rc_conn AS
SELECT c.id, c.resource, c.ts, c.client_ip, c.client_port, c.server_ip, c.server_port, c.sni,
       c.version, c.server_cert_sha256 AS leaf, vc.sha256 AS cert, vc.subject, vc.issuer,
       vc.spki_sha256, vc.not_before, vc.self_signed,
       json_extract(vc.facts, '$.authority_key_id') AS aki
FROM v_conn c LEFT JOIN v_cert vc ON vc.sha256 = c.server_cert_sha256
