-- id: mozilla-5.8-old/02-tls13-suites
-- title: TLS 1.3 cipher suites are those of Mozilla 5.8 old (legacy)
-- severity: high
-- requirements: mozilla-5.8-old:MOZ58-OLD-02
-- remediation: Accept only the TLS 1.3 suites of the profile's ciphersuites
--   (data/mozilla-server-side-tls-5.8.json).
-- description: Every TLS 1.3 suite the scan proved accepted must be in
--   configurations.old.ciphersuites of mozilla-server-side-tls-5.8.json (ref_doc 'mozilla-5.8').
SELECT resource, status, reason, evidence FROM mozilla_tls13_suites WHERE profile = 'mozilla-5.8-old'
