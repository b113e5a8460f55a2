-- id: mozilla-6.0-modern/09-lifetime
-- title: Leaf certificate lifetime is within Mozilla 6.0 modern's maximum
-- severity: medium
-- requirements: mozilla-6.0-modern:MOZ60-MODERN-09
-- remediation: Issue certificates valid for at most maximum_certificate_lifespan days
--   (data/mozilla-server-side-tls-6.0.json; recommended_certificate_lifespan is shorter still).
-- description: Every leaf's validity (notAfter - notBefore + 1 s, in days rounded up, as certinfo
--   computes validity_days) is at most configurations.modern. maximum_certificate_lifespan of
--   mozilla-server-side-tls-6.0.json (ref_doc 'mozilla-6.0').
SELECT resource, status, reason, evidence FROM mozilla_lifetime WHERE profile = 'mozilla-6.0-modern'
