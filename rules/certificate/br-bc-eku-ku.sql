-- id: cabf-br/bc-eku-ku
-- title: Leaf is not a CA, has EKU serverAuth and no certificate-signing key usage
-- severity: high
-- requirements: cabf-br:BR-BC-EKU-KU
-- remediation: Reissue as an end-entity certificate: basicConstraints cA=FALSE (or absent), extendedKeyUsage serverAuth (clientAuth at most besides), keyUsage without keyCertSign and cRLSign.
-- description: TLS BR 7.1.2.7.8 (basicConstraints cA=FALSE; critical when present, for
--   certificates issued from 2023-09-15, when BR 2.0.0's certificate profiles took effect:
--   zlint e_sub_cert_basic_constraints_not_critical has the same date),
--   7.1.2.7.10 (extKeyUsage present with id-kp-serverAuth; anyExtendedKeyUsage,
--   emailProtection, codeSigning, timeStamping, OCSPSigning prohibited; clientAuth MAY
--   until browser phase-outs) and 7.1.2.7.11 (no keyCertSign, cRLSign): facts
--   basic_constraints, extended_key_usage, key_usage (zlint e_sub_cert_not_is_ca,
--   e_sub_cert_eku_check, e_sub_cert_key_usage_cert_sign_bit_set).
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
    CASE WHEN facts IS NULL THEN NULL
         ELSE ifnull(json_extract(facts, '$.basic_constraints.ca'), 0) = 1
           OR (ifnull(json_extract(facts, '$.basic_constraints.critical'), 1) = 0
               AND json_extract(facts, '$.not_before') >= '2023-09-15')
           OR json_type(facts, '$.extended_key_usage') IS NOT 'array'
           OR NOT EXISTS (SELECT 1 FROM json_each(facts, '$.extended_key_usage')
                          WHERE value = 'serverAuth')
           OR EXISTS (SELECT 1 FROM json_each(facts, '$.extended_key_usage') WHERE value IN
                      ('anyExtendedKeyUsage', 'emailProtection', 'codeSigning',
                       'timeStamping', 'OCSPSigning'))
           OR EXISTS (SELECT 1 FROM json_each(facts, '$.key_usage')
                      WHERE value IN ('keyCertSign', 'cRLSign')) END AS bad,
    subject || ': basicConstraints ' ||
      CASE WHEN json_type(facts, '$.basic_constraints') IS NOT 'object' THEN 'absent'
           ELSE 'cA=' || CASE WHEN json_extract(facts, '$.basic_constraints.ca')
                              THEN 'TRUE' ELSE 'FALSE' END ||
                CASE WHEN json_extract(facts, '$.basic_constraints.critical') THEN ' critical'
                     ELSE ' not critical' END END ||
      ', EKU ' || ifnull((SELECT group_concat(value, '+') FROM
                          json_each(facts, '$.extended_key_usage')), 'absent') ||
      ', KU ' || ifnull((SELECT group_concat(value, '+') FROM json_each(facts, '$.key_usage')),
                        'absent') AS detail
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
