-- view: br_seen
-- description: Where each leaf certificate was seen, for the rules of rules/certificate/br-*.sql:
--   resource, sha256, ref (the evidence: "scan:ID" for every chain of the latest scan of each
--   endpoint, default, per key type and without SNI; "connection:ID" for the 3 newest sniffed
--   connections per leaf, TLS <= 1.2, the connection's server being the resource) and trusted
--   (the scanned chain's verdict, v_scan_chain.trusted read alone: the other columns of
--   v_scan_chain cost a JSON extraction each; NULL for sniffed leaves).
CREATE TEMP VIEW br_seen AS
SELECT c.resource, c.sha256, 'scan:' || c.scan_id AS ref, ch.trusted
FROM v_scan_cert c
LEFT JOIN (SELECT v.scan_id, CAST(x.key AS INTEGER) AS chain,
                  json_extract(x.value, '$.trusted') AS trusted
           FROM v_scan v, json_each(v.result, '$.chains') x WHERE v.error IS NULL) ch
  ON ch.scan_id = c.scan_id AND ch.chain = c.chain
WHERE c.depth = 0
UNION ALL
SELECT resource, sha256, 'connection:' || conn_id, NULL
FROM (SELECT resource, sha256, conn_id, row_number() OVER
        (PARTITION BY resource, sha256 ORDER BY conn_id DESC) AS n
      FROM v_conn_cert WHERE depth = 0)
WHERE n <= 3
