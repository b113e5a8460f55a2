-- id: mozilla-6.0-intermediate/06-signatures
-- title: A leaf certificate is signed with an algorithm of Mozilla 6.0 intermediate
-- severity: medium
-- requirements: mozilla-6.0-intermediate:MOZ60-INTERMEDIATE-06
-- remediation: Deploy a certificate signed with an algorithm of the profile's
--   certificate_signatures (data/mozilla-server-side-tls-6.0.json).
-- description: At least one leaf the full handshakes got has its signature algorithm (OpenSSL's
--   long name) in configurations.intermediate.certificate_signatures of
--   mozilla-server-side-tls-6.0.json (ref_doc 'mozilla-6.0').
SELECT resource, status, reason, evidence FROM mozilla_signatures WHERE profile = 'mozilla-6.0-intermediate'
