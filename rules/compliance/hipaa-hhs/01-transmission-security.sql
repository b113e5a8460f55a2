-- id: hipaa-hhs/01-transmission-security
-- title: Transmission security: ePHI endpoints enforce encryption in transit
-- severity: medium
-- requirements: hipaa-hhs:HIPAA-01
-- remediation: Serve ePHI only over TLS (no plaintext listener), or document the risk
--   analysis and the decision if encryption is not implemented (45 CFR 164.306(d)(3)).
-- description: 45 CFR 164.312(e)(1) and (e)(2)(ii): encryption of ePHI in transit is an
--   addressable implementation specification. Deciding it needs two facts a TLS scan does
--   not hold: whether the endpoint carries ePHI, and whether the same service also listens
--   without TLS (a plaintext port probe). So the verdict is 'skip', and the reason states
--   what the scan did establish: that TLS is offered, and with which versions.
SELECT resource, 'skip' AS status,
       'needs the endpoint''s ePHI scope and a plaintext-listener probe; TLS offered: ' ||
       ifnull(group_concat(CASE WHEN supported = 1 THEN version END, ', '), 'none') AS reason,
       json_array('scan:' || scan_id) AS evidence
FROM v_scan_protocol GROUP BY scan_id, resource
