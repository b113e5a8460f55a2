-- id: cabf-br/key
-- title: Leaf key: RSA >= 2048 bits and divisible by 8, or ECDSA on P-256/P-384/P-521
-- severity: high
-- requirements: cabf-br:BR-KEY
-- remediation: Reissue with an RSA key of 2048, 3072 or 4096 bits or an ECDSA key on P-256 or P-384.
-- description: TLS BR 6.1.5: RSA modulus >= 2048 bits and divisible by 8 (key_bits),
--   ECDSA keys only on P-256, P-384 or P-521 (curve); other key types (DSA, EdDSA) are not
--   allowed for subscriber certificates. Not checked here (no fact): the RSA public exponent
--   (BR 6.1.6: odd, >= 3, SHOULD be 2^16+1 .. 2^256-1) and small factors.
--   Applied to every leaf (depth 0) of the latest scan of each endpoint (every chain:
--   default, per key type, without SNI) and of sniffed connections (TLS <= 1.2; the
--   connection's server is the resource; the 3 newest connections per leaf are cited).
--   One row per resource: alarm when any leaf fails. The Baseline Requirements bind
--   publicly-trusted CAs only: leaves of private or test CAs are judged all the same (facts),
--   and the reason marks leaves whose scanned chain did not validate against the scan's
--   trust store (the chain's `trusted`; sniffed leaves carry no trust verdict).
WITH seen AS (
  SELECT c.resource, c.sha256, 'scan:' || c.scan_id AS ref, ch.trusted
  FROM v_scan_cert c
  LEFT JOIN v_scan_chain ch ON ch.scan_id = c.scan_id AND ch.chain = c.chain
  WHERE c.depth = 0
  UNION ALL
  SELECT resource, sha256, 'connection:' || conn_id, NULL
  FROM (SELECT resource, sha256, conn_id, row_number() OVER
          (PARTITION BY resource, sha256 ORDER BY conn_id DESC) AS n
        FROM v_conn_cert WHERE depth = 0)
  WHERE n <= 3
),
leaf AS (
  SELECT s.resource, s.sha256, max(s.trusted) AS trusted, v.*
  FROM seen s JOIN v_cert v ON v.sha256 = s.sha256
  GROUP BY s.resource, s.sha256
),
judged AS (
  SELECT resource, sha256, trusted,
    CASE WHEN key_type IN ('RSA', 'RSA-PSS') THEN
              CASE WHEN key_bits IS NULL THEN NULL
                   ELSE key_bits < 2048 OR key_bits % 8 <> 0 END
         WHEN key_type = 'ECDSA' THEN
              ifnull(curve, '') NOT IN ('secp256r1', 'secp384r1', 'secp521r1')
         WHEN key_type IS NULL THEN NULL
         ELSE 1 END AS bad,
    subject || ': ' || ifnull(key_type, '?') || ' ' || ifnull(key_bits, '?') || ' bits' ||
      CASE WHEN curve IS NOT NULL THEN ' ' || curve ELSE '' END ||
      CASE WHEN key_type IN ('RSA', 'RSA-PSS') AND key_bits < 2048 THEN ' (< 2048)'
           WHEN key_type IN ('RSA', 'RSA-PSS') AND key_bits % 8 <> 0 THEN ' (not a multiple of 8)'
           WHEN key_type = 'ECDSA' AND ifnull(curve, '') NOT IN
                ('secp256r1', 'secp384r1', 'secp521r1') THEN ' (curve not allowed)'
           WHEN key_type NOT IN ('RSA', 'RSA-PSS', 'ECDSA') THEN ' (key type not allowed)'
           ELSE '' END AS detail
  FROM leaf
)
SELECT j.resource,
       CASE WHEN max(j.bad) = 1 THEN 'alarm'
            WHEN count(j.bad) = count(*) THEN 'ok' ELSE 'skip' END AS status,
       CASE WHEN max(j.bad) = 1 THEN sum(j.bad = 1) || ' of ' || count(*) || CASE count(*) WHEN 1 THEN ' leaf fails: ' ELSE ' leaves fail: ' END
            WHEN count(j.bad) = count(*) THEN count(*) || CASE count(*) WHEN 1 THEN ' leaf passes: ' ELSE ' leaves pass: ' END
            ELSE 'undecided: ' END ||
         group_concat(substr(j.sha256, 1, 12) || ' ' || j.detail ||
           CASE WHEN j.trusted = 0 THEN ' [chain not trusted: BR binds public CAs only]'
                ELSE '' END, '; ') AS reason,
       (SELECT json_group_array(r) FROM
          (SELECT DISTINCT 'cert:' || s.sha256 AS r FROM seen s WHERE s.resource = j.resource
           UNION SELECT s.ref FROM seen s WHERE s.resource = j.resource ORDER BY 1)) AS evidence
FROM (SELECT * FROM judged ORDER BY resource, sha256) j
GROUP BY j.resource
