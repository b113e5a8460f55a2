-- id: mozilla-5.8-old/09-lifetime
-- title: Leaf certificate lifetime is within Mozilla 5.8 old (legacy)'s maximum
-- severity: medium
-- requirements: mozilla-5.8-old:MOZ58-OLD-09
-- remediation: Issue certificates valid for at most maximum_certificate_lifespan days
--   (data/mozilla-server-side-tls-5.8.json; recommended_certificate_lifespan is shorter still).
-- description: Every leaf's validity (notAfter - notBefore + 1 s, in days rounded up, as certinfo
--   computes validity_days) is at most configurations.old. maximum_certificate_lifespan of
--   mozilla-server-side-tls-5.8.json (ref_doc 'mozilla-5.8').
SELECT resource, status, reason, evidence FROM mozilla_lifetime WHERE profile = 'mozilla-5.8-old'
