-- view: rc_chain
-- description: Every chain ($.chains, chain 0 = the default handshake's) of every successful
--   finished scan (v_scan_all, error NULL), for the rules of rules/rogue-cert/: the scanned
--   endpoint (ip, port, sni, resource), scan_id, chain, leaf ($.leaf_sha256), trusted and
--   verify_error (the scan's verdicts).
CREATE TEMP VIEW rc_chain AS
SELECT a.ip, a.port, a.sni, a.resource, a.scan_id, CAST(ch.key AS INTEGER) AS chain,
       json_extract(ch.value, '$.leaf_sha256') AS leaf,
       json_extract(ch.value, '$.trusted') AS trusted,
       json_extract(ch.value, '$.verify_error') AS verify_error
FROM v_scan_all a, json_each(a.result, '$.chains') ch WHERE a.error IS NULL
