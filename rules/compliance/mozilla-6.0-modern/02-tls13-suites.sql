-- id: mozilla-6.0-modern/02-tls13-suites
-- title: TLS 1.3 cipher suites are those of Mozilla 6.0 modern
-- severity: high
-- requirements: mozilla-6.0-modern:MOZ60-MODERN-02
-- remediation: Accept only the TLS 1.3 suites of the profile's ciphersuites
--   (data/mozilla-server-side-tls-6.0.json).
-- description: Every TLS 1.3 suite the scan proved accepted must be in
--   configurations.modern.ciphersuites of mozilla-server-side-tls-6.0.json (ref_doc 'mozilla-6.0').
SELECT resource, status, reason, evidence FROM mozilla_tls13_suites WHERE profile = 'mozilla-6.0-modern'
