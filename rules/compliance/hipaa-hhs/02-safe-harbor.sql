-- id: hipaa-hhs/02-safe-harbor
-- title: Breach safe harbor: data in motion encrypted as NIST SP 800-52r2 requires
-- severity: high
-- requirements: hipaa-hhs:HIPAA-02
-- remediation: Bring the endpoint to NIST SP 800-52r2 (the nist-800-52r2 profile's alarms
--   name what to change: FIPS-approved suites only, no ChaCha20, TLS 1.2, no SSL).
-- description: HHS Guidance to Render Unsecured PHI Unusable (74 FR 19006, 2009): data in
--   motion is secured when encrypted per NIST SP 800-52 (TLS) or FIPS 140-validated.
--   Decided by this analysis run's verdicts of the nist-800-52r2 rules NIST52-01..08 for the
--   same endpoint (v_finding rows written since the run began: rules that read findings run
--   after the others). An alarm of any of them is an alarm here; NIST52-04 is 'info' there
--   (it depends on a government-only tag) and does not count; NIST52-09 (FIPS validation)
--   needs an attestation, so 'ok' here means "as far as the scan shows".
WITH run AS (SELECT max(started) AS started FROM analysis_runs),
nist AS (
  SELECT f.resource, f.rule, f.status, f.id
  FROM v_finding f, run
  WHERE f.rule LIKE 'nist-800-52r2/%' AND f.rule <> 'nist-800-52r2/fips-module'
    AND f.last_seen >= run.started
)
SELECT resource,
       CASE WHEN sum(status = 'alarm') > 0 THEN 'alarm'
            WHEN sum(status = 'ok') = 0 THEN 'skip' ELSE 'ok' END AS status,
       CASE WHEN sum(status = 'alarm') > 0
              THEN 'NIST SP 800-52r2 not met: ' ||
                   group_concat(CASE WHEN status = 'alarm' THEN rule END, ', ')
            WHEN sum(status = 'ok') = 0 THEN 'no NIST SP 800-52r2 verdict for this endpoint'
            ELSE sum(status = 'ok') || ' NIST SP 800-52r2 rules met (FIPS 140 validation of'
                 || ' the module needs an attestation)' END AS reason,
       json_group_array('finding:' || id) AS evidence
FROM nist GROUP BY resource
