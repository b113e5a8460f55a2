-- id: cabf-br/san
-- title: Leaf subjectAltName present, DNS names and IP addresses only, CN among them
-- severity: medium
-- requirements: cabf-br:BR-SAN
-- remediation: Reissue with every name in the subjectAltName extension and the common name (if any) equal to one of them.
-- description: TLS BR 7.1.2.7.12 (subjectAltName MUST be present, only dNSName and
--   iPAddress entries) and 7.1.4.3 (a subject commonName MUST be one of the SAN values):
--   san_count, san_dns, san_ip, cn, cn_in_san (zlint e_ext_san_missing,
--   e_subject_common_name_not_exactly_from_san). Not checked: internal names, reserved IP
--   addresses and valid TLDs (need the public suffix list and IANA registries).
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
    CASE WHEN facts IS NULL OR san_count IS NULL THEN NULL
         ELSE san_count = 0 OR (cn IS NOT NULL AND NOT cn_in_san) OR
              (NOT json_extract(facts, '$.san_truncated') AND san_count >
               json_array_length(facts, '$.san_dns') + json_array_length(facts, '$.san_ip'))
         END AS bad,
    subject || ': ' || san_count || ' SAN entries' ||
      CASE WHEN san_count = 0 THEN ' (no subjectAltName)' ELSE '' END ||
      CASE WHEN cn IS NOT NULL AND NOT cn_in_san THEN ', CN ' || cn || ' not among them'
           ELSE '' END ||
      CASE WHEN san_count > 0 AND NOT json_extract(facts, '$.san_truncated') AND san_count >
                json_array_length(facts, '$.san_dns') + json_array_length(facts, '$.san_ip')
           THEN ', entries other than DNS/IP' ELSE '' END AS detail
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
