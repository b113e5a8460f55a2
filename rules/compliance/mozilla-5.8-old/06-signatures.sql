-- id: mozilla-5.8-old/06-signatures
-- title: A leaf certificate is signed with an algorithm of Mozilla 5.8 old (legacy)
-- severity: medium
-- requirements: mozilla-5.8-old:MOZ58-OLD-06
-- remediation: Deploy a certificate signed with an algorithm of the profile's
--   certificate_signatures (data/mozilla-server-side-tls-5.8.json).
-- description: At least one leaf the full handshakes got has its signature algorithm (OpenSSL's
--   long name) in configurations.old.certificate_signatures of mozilla-server-side-tls-5.8.json
--   (ref_doc 'mozilla-5.8').
SELECT resource, status, reason, evidence FROM mozilla_signatures WHERE profile = 'mozilla-5.8-old'
