-- id: ssllabs/grade-below-a
-- title: SSL Labs grade below A-
-- severity: medium
-- requirements: ssllabs:SSLL-CAPS
-- remediation: Remove what caps the grade (named in the reason); see ssllabs/grade.
-- description: Alarm when the endpoint's SSL Labs grade (the same computation as
--   rules/grade/grade.sql: both read the view ssllabs_grade of rules/grade/lib/00-grade.sql) is
--   B or lower, T or M; ok for A+, A and A-; skip when the scan failed.
--   SSL Labs SSL Server Rating Guide 2009r (2025-05-16), as testssl.sh run_rating()
--   implements it (analyzer-anchors.md 6.2), from the latest scan of each endpoint:
--   protocol support (SSLv2 0, SSLv3 80, TLS 1.0 90, TLS 1.1 95, TLS 1.2/1.3 100; (best +
--   worst) / 2); key exchange (the weakest of every leaf key of the scan's chains and every
--   ECDHE group / DHE prime the server accepted: RSA/DH bits < 512 20, < 1024 40, < 2048 80,
--   < 4096 90, else 100; EC bits (x25519 = 253) < 110 20, < 123 40, < 163 80, < 225 90,
--   else 100; anonymous suites 0); cipher strength (ref_suite.enc_key_bits of every
--   accepted suite: 0 -> 0, < 128 -> 20, < 256 -> 80, else 100; (best + worst) / 2);
--   score = 0.3 P + 0.3 K + 0.4 C, unrounded (0 when a category is 0): A >= 80, B >= 65,
--   C >= 50, D >= 35, E >= 20, else F. Caps: F for SSLv2, SSLv3 as the best version,
--   export suites, suites under 112 effective bits, key exchange <= 40, an MD5/MD2 leaf
--   signature; C for SSLv3, neither TLS 1.2 nor 1.3, RC4 or 64-bit block ciphers with TLS
--   1.1+, compression; B for TLS 1.0/1.1, key exchange <= 80 (keys/DH 1024-2047), RC4
--   offered, no forward-secret suite at all (SSL Labs tests reference browsers; we test the
--   suites), an incomplete default chain. Warnings turn A into A-: no TLS 1.3, HTTP served
--   without HSTS or with max-age under 180 days, no RFC 5746 renegotiation_info, no AEAD
--   suite (SSL Labs 2018: A-; testssl caps B). A+ = A without warnings and HSTS >= 180 days
--   (an endpoint without HTTP can reach A, not A+). T (default chain not trusted by the
--   scan's trust store, self-signed or SHA-1 leaf, revoked staple) wins over M (name
--   mismatch); the reason then gives the grade without the trust issue. An incomplete
--   chain whose trust cannot be decided (SSL Labs would fetch the intermediate over AIA;
--   we do not) is capped B, not T.
--   Not applied because we run no such probe: Heartbleed (we only see the heartbeat
--   extension), CCS injection, ROBOT, DROWN on other hosts sharing the key, Ticketbleed,
--   POODLE-TLS, GOLDENDOODLE, Zombie/Sleeping POODLE, OpenSSL padding oracles
--   (CVE-2016-2107, CVE-2019-1559), insecure client-initiated renegotiation, BEAST, Debian
--   weak keys, CRL revocation, Symantec distrust, reference-browser simulation.
SELECT resource,
       CASE WHEN error IS NOT NULL OR p IS NULL OR c IS NULL OR k IS NULL THEN 'skip'
            WHEN special IS NOT NULL OR plain NOT IN ('A+', 'A', 'A-') THEN 'alarm'
            ELSE 'ok' END AS status,
       CASE WHEN error IS NOT NULL THEN 'not graded: the scan failed (' || error || ')'
            WHEN p IS NULL OR c IS NULL OR k IS NULL
              THEN 'not graded: no accepted protocol, suite or key in the scan'
            ELSE 'grade ' || grade || '; caps: ' ||
                 coalesce(trust || ', ' || caps, trust, caps, 'none') END AS reason,
       json_array('scan:' || scan_id) AS evidence
FROM ssllabs_grade
