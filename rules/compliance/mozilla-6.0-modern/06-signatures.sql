-- id: mozilla-6.0-modern/06-signatures
-- title: A leaf certificate is signed with an algorithm of Mozilla 6.0 modern
-- severity: medium
-- requirements: mozilla-6.0-modern:MOZ60-MODERN-06
-- remediation: Deploy a certificate signed with an algorithm of the profile's
--   certificate_signatures (data/mozilla-server-side-tls-6.0.json).
-- description: At least one leaf the full handshakes got has its signature algorithm (OpenSSL's
--   long name) in configurations.modern.certificate_signatures of mozilla-server-side-tls-6.0.json
--   (ref_doc 'mozilla-6.0').
SELECT resource, status, reason, evidence FROM mozilla_signatures WHERE profile = 'mozilla-6.0-modern'
