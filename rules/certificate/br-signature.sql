-- id: cabf-br/signature
-- title: Leaf signature: RSA (PKCS#1 v1.5 or PSS) or ECDSA with SHA-256/384/512
-- severity: high
-- requirements: cabf-br:BR-SIG
-- remediation: Have the CA reissue the certificate signed with SHA-256 or stronger (RSA or ECDSA).
-- description: TLS BR 7.1.3.2: a subscriber certificate is signed with RSASSA-PKCS1-v1_5 or
--   RSASSA-PSS with SHA-256/384/512, or ECDSA with SHA-256/384/512; SHA-1, MD5 and DSA are
--   prohibited (zlint e_sub_cert_or_sub_ca_using_sha1, e_br_prohibit_dsa_usage). Decided
--   from sig_alg (OpenSSL's long name) and sig_hash. The exact DER encoding of the
--   AlgorithmIdentifier (NULL parameters, PSS parameters) is not checked.
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
    CASE WHEN sig_alg IS NULL THEN NULL
         ELSE NOT (ifnull(sig_hash, '') IN ('sha256', 'sha384', 'sha512') AND
                   (sig_alg LIKE '%WithRSAEncryption' OR sig_alg = 'rsassaPss' OR
                    sig_alg LIKE 'ecdsa-with-SHA%')) END AS bad,
    subject || ': ' || ifnull(sig_alg, '?') AS detail
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
