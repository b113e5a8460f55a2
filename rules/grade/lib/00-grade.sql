-- view: ssllabs_grade
-- description: The SSL Labs grade of each endpoint's latest scan and its parts, as
--   rules/grade/grade.sql describes the computation (rating guide 2009r, testssl.sh's
--   run_rating()): scan_id, resource, error (the scan's), p, k, c (the protocol, key exchange
--   and cipher scores; NULL when the scan proved nothing to score), weakest (the weakest key
--   exchange input), cbest, cworst (the suites' key bits), total (the score), rank (1 = A ..
--   6 = F, caps applied), warnings (how many), caps, warns, trust (the caps, warnings and
--   T/M reasons as text), trank (8 T, 7 M), hsts (max-age), plain (the grade without T/M:
--   A+ A A- B C D E F), special (T, M or NULL) and grade (special, else plain). Read by
--   ssllabs/grade and ssllabs/grade-below-a.
CREATE TEMP VIEW ssllabs_grade AS
WITH scan AS (
  SELECT scan_id, resource, error, result FROM v_scan
),
proto AS (  -- step 1 input: which versions the probes proved
  SELECT s.scan_id,
         ifnull(max(p.version = 'SSLv2' AND p.supported = 1), 0) AS ssl2,
         ifnull(max(p.version = 'SSLv3' AND p.supported = 1), 0) AS ssl3,
         ifnull(max(p.version = 'TLSv1.0' AND p.supported = 1), 0) AS t10,
         ifnull(max(p.version = 'TLSv1.1' AND p.supported = 1), 0) AS t11,
         ifnull(max(p.version = 'TLSv1.2' AND p.supported = 1), 0) AS t12,
         ifnull(max(p.version = 'TLSv1.3' AND p.supported = 1), 0) AS t13
  FROM scan s LEFT JOIN v_scan_protocol p ON p.scan_id = s.scan_id
  GROUP BY s.scan_id
),
pscore AS (  -- protocol support: SSLv2 0, SSLv3 80, TLS 1.0 90, TLS 1.1 95, TLS 1.2/1.3 100
  SELECT scan_id, (best + worst) / 2.0 AS p, best, worst FROM (
    SELECT scan_id,
           CASE WHEN t12 OR t13 THEN 100 WHEN t11 THEN 95 WHEN t10 THEN 90
                WHEN ssl3 THEN 80 WHEN ssl2 THEN 0 END AS best,
           CASE WHEN ssl2 THEN 0 WHEN ssl3 THEN 80 WHEN t10 THEN 90 WHEN t11 THEN 95
                WHEN t12 OR t13 THEN 100 END AS worst
    FROM proto)
),
suite AS (  -- every accepted suite with its reference facts
  SELECT c.scan_id, c.version, c.cipher, r.enc_family, r.enc_key_bits, r.enc_effective_bits,
         r.block_bits, r.export, r.aead, r.pfs, r.auth
  FROM v_scan_cipher c JOIN scan s ON s.scan_id = c.scan_id
  LEFT JOIN ref_suite r ON r.name = c.cipher
),
cscore AS (  -- cipher strength: 0 -> 0, < 128 -> 20, < 256 -> 80, >= 256 -> 100
  SELECT scan_id, (max(sc) + min(sc)) / 2.0 AS c, max(enc_key_bits) AS cbest,
         min(enc_key_bits) AS cworst FROM (
    SELECT scan_id, enc_key_bits,
           CASE WHEN enc_key_bits = 0 THEN 0 WHEN enc_key_bits < 128 THEN 20
                WHEN enc_key_bits < 256 THEN 80 ELSE 100 END AS sc
    FROM suite WHERE enc_key_bits IS NOT NULL)
  GROUP BY scan_id
),
kx_item AS (  -- key exchange inputs: every leaf key, every ECDHE group, every DHE prime
  SELECT c.scan_id,
         CASE WHEN c.key_type IN ('ECDSA', 'Ed25519', 'Ed448') THEN 'EC' ELSE 'DH' END AS kind,
         c.key_bits AS bits, 'leaf ' || c.key_type || ' ' || c.key_bits AS what
  FROM v_scan_cert c JOIN scan s ON s.scan_id = c.scan_id
  WHERE c.depth = 0 AND c.key_bits IS NOT NULL
  UNION ALL
  SELECT scan_id, kind, bits, grp || ' ' || bits FROM (
    SELECT g.scan_id, g.grp,
           CASE WHEN g.grp LIKE 'ffdhe%' THEN 'DH' ELSE 'EC' END AS kind,
           CASE WHEN g.grp = 'x25519' THEN 253 WHEN g.grp = 'x448' THEN 448
                WHEN g.grp LIKE 'ffdhe%' THEN CAST(substr(g.grp, 6) AS INTEGER)
                WHEN g.grp LIKE 'brainpoolP%' THEN CAST(substr(g.grp, 11, 3) AS INTEGER)
                WHEN g.grp LIKE 'sec_%' THEN CAST(substr(g.grp, 5, 3) AS INTEGER)
                END AS bits
    FROM v_scan_group g JOIN scan s ON s.scan_id = g.scan_id)
  WHERE bits IS NOT NULL  -- hybrid post-quantum groups are not rated
  UNION ALL
  SELECT d.scan_id, 'DH', d.bits, 'DHE ' || d.bits FROM v_scan_dhe d
  JOIN scan s ON s.scan_id = d.scan_id WHERE d.bits IS NOT NULL
),
kscore AS (  -- key exchange: the weakest input; anonymous suites score 0
  SELECT k.scan_id,
         CASE WHEN EXISTS (SELECT 1 FROM suite u WHERE u.scan_id = k.scan_id AND u.auth = 'anon')
              THEN 0 ELSE min(k.sc) END AS k,
         (SELECT k2.what FROM kx_item k2 WHERE k2.scan_id = k.scan_id
          ORDER BY CASE WHEN k2.kind = 'EC' THEN
                     CASE WHEN k2.bits < 110 THEN 20 WHEN k2.bits < 123 THEN 40
                          WHEN k2.bits < 163 THEN 80 WHEN k2.bits < 225 THEN 90 ELSE 100 END
                   ELSE CASE WHEN k2.bits < 512 THEN 20 WHEN k2.bits < 1024 THEN 40
                          WHEN k2.bits < 2048 THEN 80 WHEN k2.bits < 4096 THEN 90 ELSE 100 END
                   END, k2.what LIMIT 1) AS weakest
  FROM (SELECT scan_id, what,
               CASE WHEN kind = 'EC' THEN
                      CASE WHEN bits < 110 THEN 20 WHEN bits < 123 THEN 40
                           WHEN bits < 163 THEN 80 WHEN bits < 225 THEN 90 ELSE 100 END
                    ELSE CASE WHEN bits < 512 THEN 20 WHEN bits < 1024 THEN 40
                           WHEN bits < 2048 THEN 80 WHEN bits < 4096 THEN 90 ELSE 100 END
               END AS sc
        FROM kx_item) k
  GROUP BY k.scan_id
),
leaf0 AS (  -- the default handshake's chain and leaf (what an ordinary client gets)
  SELECT ch.scan_id, ch.trusted, ch.verify_error, ch.hostname_match, ch.complete,
         ch.ocsp_status, v.sig_hash, v.self_signed, v.sha256
  FROM v_scan_chain ch JOIN scan s ON s.scan_id = ch.scan_id
  LEFT JOIN v_cert v ON v.sha256 = ch.leaf_sha256
  WHERE ch.chain = 0
),
cap AS (  -- grade caps (rank 1 = A .. 6 = F), warnings (rank 0: A becomes A-), T and M
  SELECT scan_id, 6 AS rank, 'F: SSLv2' AS why FROM proto WHERE ssl2
  UNION ALL SELECT scan_id, 6, 'F: SSLv3 is the best protocol' FROM proto
    WHERE ssl3 AND NOT (t10 OR t11 OR t12 OR t13)
  UNION ALL SELECT DISTINCT scan_id, 6, 'F: export suites' FROM suite WHERE export = 'Y'
  UNION ALL SELECT scan_id, 6, 'F: suites under 112 bits (' || min(coalesce(enc_effective_bits, enc_key_bits)) || ')'
    FROM suite WHERE coalesce(enc_effective_bits, enc_key_bits) < 112 GROUP BY scan_id
  UNION ALL SELECT scan_id, 6, 'F: key exchange ' || k || ' (<= 40: key or DH under 1024 bits)'
    FROM kscore WHERE k <= 40
  UNION ALL SELECT scan_id, 6, 'F: leaf signed with ' || sig_hash FROM leaf0
    WHERE sig_hash IN ('md5', 'md2')
  UNION ALL SELECT scan_id, 3, 'C: SSLv3 (POODLE)' FROM proto WHERE ssl3
  UNION ALL SELECT scan_id, 3, 'C: no TLS 1.2 (nor 1.3)' FROM proto WHERE NOT (t12 OR t13)
  UNION ALL SELECT DISTINCT scan_id, 3, 'C: RC4 with TLS 1.1+' FROM suite
    WHERE enc_family = 'RC4' AND version IN ('TLSv1.1', 'TLSv1.2')
  UNION ALL SELECT DISTINCT scan_id, 3, 'C: 64-bit block cipher with TLS 1.1+' FROM suite
    WHERE block_bits = 64 AND version IN ('TLSv1.1', 'TLSv1.2')
  UNION ALL SELECT scan_id, 3, 'C: TLS compression (CRIME)' FROM scan
    WHERE json_extract(result, '$.features.compression') = 1
  UNION ALL SELECT scan_id, 2, 'B: TLS 1.0/1.1 offered' FROM proto WHERE t10 OR t11
  UNION ALL SELECT scan_id, 2, 'B: key exchange ' || k || ' (key or DH under 2048 bits)'
    FROM kscore WHERE k > 40 AND k <= 80
  UNION ALL SELECT DISTINCT scan_id, 2, 'B: RC4 offered' FROM suite WHERE enc_family = 'RC4'
  UNION ALL SELECT scan_id, 2, 'B: no forward secrecy' FROM scan s
    WHERE EXISTS (SELECT 1 FROM suite u WHERE u.scan_id = s.scan_id)
      AND NOT EXISTS (SELECT 1 FROM suite u WHERE u.scan_id = s.scan_id AND u.pfs LIKE 'Y%')
  UNION ALL SELECT scan_id, 2, 'B: incomplete chain' FROM leaf0 WHERE complete = 0
  UNION ALL SELECT scan_id, 0, 'no TLS 1.3' FROM proto WHERE NOT t13
  UNION ALL SELECT scan_id, 0, CASE WHEN json_type(result, '$.http.hsts') IS NOT 'object'
                                    THEN 'no HSTS' ELSE 'HSTS max-age under 180 days' END
    FROM scan WHERE json_extract(result, '$.http.status') IS NOT NULL
      AND ifnull(json_extract(result, '$.http.hsts.max_age'), 0) < 15552000
  UNION ALL SELECT scan_id, 0, 'no secure renegotiation (RFC 5746)' FROM scan
    WHERE json_extract(result, '$.features.secure_renegotiation') = 0
  UNION ALL SELECT scan_id, 0, 'no AEAD suite' FROM scan s
    WHERE EXISTS (SELECT 1 FROM suite u WHERE u.scan_id = s.scan_id)
      AND NOT EXISTS (SELECT 1 FROM suite u WHERE u.scan_id = s.scan_id AND u.aead = 'Y')
  UNION ALL SELECT scan_id, 8, 'T: ' || CASE
      WHEN trusted = 0 THEN 'chain not trusted (' || ifnull(verify_error, '?') || ')'
      WHEN self_signed = 1 THEN 'self-signed leaf'
      WHEN sig_hash = 'sha1' THEN 'SHA-1 leaf signature'
      ELSE 'leaf revoked (stapled OCSP)' END FROM leaf0
    WHERE (trusted = 0 AND complete IS NOT 0) OR self_signed = 1 OR sig_hash = 'sha1'
       OR ocsp_status = 'revoked'
  UNION ALL SELECT scan_id, 7, 'M: certificate name mismatch' FROM leaf0 WHERE hostname_match = 0
),
score AS (
  SELECT s.scan_id, s.resource, s.error, p.p, k.k, c.c, k.weakest, c.cbest, c.cworst,
         CASE WHEN p.p = 0 OR k.k = 0 OR c.c = 0 THEN 0
              ELSE 0.3 * p.p + 0.3 * k.k + 0.4 * c.c END AS total
  FROM scan s LEFT JOIN pscore p ON p.scan_id = s.scan_id
  LEFT JOIN kscore k ON k.scan_id = s.scan_id LEFT JOIN cscore c ON c.scan_id = s.scan_id
),
graded AS (
  SELECT x.*,
         max(CASE WHEN x.total >= 80 THEN 1 WHEN x.total >= 65 THEN 2 WHEN x.total >= 50 THEN 3
                  WHEN x.total >= 35 THEN 4 WHEN x.total >= 20 THEN 5 ELSE 6 END,
             ifnull((SELECT max(rank) FROM cap WHERE cap.scan_id = x.scan_id AND rank <= 6), 1))
           AS rank,
         (SELECT count(*) FROM cap WHERE cap.scan_id = x.scan_id AND rank = 0) AS warnings,
         (SELECT group_concat(why, ', ') FROM
            (SELECT why FROM cap WHERE cap.scan_id = x.scan_id AND rank BETWEEN 1 AND 6
             ORDER BY rank DESC, why)) AS caps,
         (SELECT group_concat(why, ', ') FROM
            (SELECT why FROM cap WHERE cap.scan_id = x.scan_id AND rank = 0 ORDER BY why))
           AS warns,
         (SELECT group_concat(why, ', ') FROM
            (SELECT why FROM cap WHERE cap.scan_id = x.scan_id AND rank >= 7
             ORDER BY rank DESC, why)) AS trust,
         (SELECT max(rank) FROM cap WHERE cap.scan_id = x.scan_id AND rank >= 7) AS trank,
         (SELECT json_extract(v.result, '$.http.hsts.max_age') FROM scan v
          WHERE v.scan_id = x.scan_id) AS hsts
  FROM score x
),
final AS (
  SELECT g.*,
         CASE WHEN g.rank > 1 THEN substr('ABCDEF', g.rank, 1)
              WHEN g.warnings > 0 THEN 'A-'
              WHEN g.hsts >= 15552000 THEN 'A+' ELSE 'A' END AS plain,
         CASE WHEN g.trank = 8 THEN 'T' WHEN g.trank = 7 THEN 'M' END AS special
  FROM graded g
)
SELECT final.*, coalesce(special, plain) AS grade FROM final
