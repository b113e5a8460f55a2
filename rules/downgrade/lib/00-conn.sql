-- view: dg_conn
-- description: Every connection of v_conn with what the rules of rules/downgrade/ compare:
--   got (the negotiated version's rank: SSLv2 2, SSLv3 3, TLSv1.0 10 .. TLSv1.3 13; NULL
--   when not negotiated or unknown), offered (the rank of the client's best offered version,
--   JA4's version field, characters 2-3 of connections.ja4: s2, s3, 10 .. 13) and scan_id,
--   the reference scan: the latest successful scan of the same (IP, port, SNI) that finished
--   before the handshake's first packet, else the first successful one (NULL: none). The
--   scan is looked up through the endpoints (ip, port) index, not the resource text.
CREATE TEMP VIEW dg_conn AS
SELECT c.id, c.resource, c.ts, c.client_ip, c.client_port, c.server_ip, c.server_port, c.sni,
       c.version, c.cipher, c.fallback_scsv, c.downgrade_sentinel, c.alerts,
       CASE c.version WHEN 'SSLv2' THEN 2 WHEN 'SSLv3' THEN 3 WHEN 'TLSv1.0' THEN 10
            WHEN 'TLSv1.1' THEN 11 WHEN 'TLSv1.2' THEN 12 WHEN 'TLSv1.3' THEN 13 END AS got,
       CASE substr(c.ja4, 2, 2) WHEN 's2' THEN 2 WHEN 's3' THEN 3 WHEN '10' THEN 10
            WHEN '11' THEN 11 WHEN '12' THEN 12 WHEN '13' THEN 13 END AS offered,
       coalesce((SELECT max(s.id) FROM endpoints e JOIN scans s ON s.endpoint_id = e.id
                 WHERE e.ip = c.server_ip AND e.port = c.server_port AND e.sni IS c.sni
                   AND s.finished IS NOT NULL AND s.error IS NULL AND s.finished <= c.ts),
                (SELECT min(s.id) FROM endpoints e JOIN scans s ON s.endpoint_id = e.id
                 WHERE e.ip = c.server_ip AND e.port = c.server_port AND e.sni IS c.sni
                   AND s.finished IS NOT NULL AND s.error IS NULL)) AS scan_id
FROM v_conn c
