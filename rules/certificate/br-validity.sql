-- id: cabf-br/validity
-- title: Leaf validity period within the CA/B Forum maximum for its issue date
-- severity: medium
-- requirements: cabf-br:BR-VAL
-- remediation: Reissue the certificate with a validity period within the schedule: 398 days (issued from 2020-09-01), 200 (from 2026-03-15), 100 (from 2027-03-15), 47 (from 2029-03-15).
-- description: TLS BR 6.3.2 / 7.1.2.7, ballot SC-081: validity = notAfter - notBefore + 1 s
--   (certinfo's validity_seconds, as zlint computes it) compared in seconds with the
--   maximum for the issue date (cabf_max_days * 86400: 398 d from 2020-09-01, 200 d from
--   2026-03-15, 100 d from 2027-03-15, 47 d from 2029-03-15; certinfo's cabf_validity_ok).
--   Leaves issued 2018-03-01 .. 2020-08-31 are held to the 825 days of their time, earlier
--   ones are not judged (skip).
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
    CASE WHEN validity_seconds IS NULL OR not_before IS NULL THEN NULL
         WHEN not_before >= '2020-09-01' THEN NOT cabf_validity_ok
         WHEN not_before >= '2018-03-01' THEN validity_seconds > 825 * 86400
         ELSE NULL END AS bad,
    subject || ': validity ' || ifnull(validity_seconds, '?') || ' s (' ||
      ifnull(validity_days, '?') || ' d) from ' || ifnull(not_before, '?') || ', max ' ||
      CASE WHEN not_before >= '2020-09-01' THEN cabf_max_days || ' d'
           WHEN not_before >= '2018-03-01' THEN '825 d'
           ELSE 'not judged (issued before 2018-03-01)' END AS detail
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
