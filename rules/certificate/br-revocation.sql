-- id: cabf-br/revocation
-- title: Leaf names an OCSP responder or a CRL unless short-lived
-- severity: medium
-- requirements: cabf-br:BR-REV
-- remediation: Have the CA include a CRL distribution point (or an OCSP URL) in the certificate, or issue short-lived certificates.
-- description: TLS BR 7.1.2.11.2 and 4.9.7 (ballot SC-063): a subscriber certificate carries a
--   CRL distribution point or an AIA OCSP URL (n_crl_urls, n_ocsp_urls) unless it is
--   short-lived: validity (notAfter - notBefore + 1 s) <= 7 days when issued from
--   2026-03-15, <= 10 days before (pkilint _is_short_lived_certificate). Whether the
--   pointed-to service answers is not checked; AIA caIssuers is not required here.
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
    CASE WHEN validity_seconds IS NULL OR n_crl_urls IS NULL OR n_ocsp_urls IS NULL
              THEN NULL
         WHEN validity_seconds <= CASE WHEN not_before >= '2026-03-15' THEN 7 ELSE 10 END * 86400
              THEN 0
         ELSE n_crl_urls = 0 AND n_ocsp_urls = 0 END AS bad,
    subject || ': ' || ifnull(n_ocsp_urls, '?') || ' OCSP URL(s), ' || ifnull(n_crl_urls, '?') ||
      ' CRL URL(s), validity ' || ifnull(validity_seconds, '?') || ' s' ||
      CASE WHEN validity_seconds <= CASE WHEN not_before >= '2026-03-15' THEN 7 ELSE 10 END
                * 86400 THEN ' (short-lived)' ELSE '' END AS detail
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
