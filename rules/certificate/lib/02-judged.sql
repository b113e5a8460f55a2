-- view: br_judged
-- description: Every leaf of br_leaf judged by each CA/Browser Forum baseline requirement rule
--   of rules/certificate/br-*.sql (that file's description says what is judged): rule (its id),
--   resource, sha256, trusted, bad (1 fails, 0 passes, NULL undecided) and detail (the leaf's
--   facts for the reason). br_leaf is materialized once for the seven judgements.
CREATE TEMP VIEW br_judged AS
WITH l AS MATERIALIZED (SELECT * FROM br_leaf)
  -- cabf-br/bc-eku-ku (rules/certificate/br-bc-eku-ku.sql)
  SELECT 'cabf-br/bc-eku-ku' AS rule, resource, sha256, trusted,
    CASE WHEN facts IS NULL THEN NULL
         ELSE ifnull(json_extract(facts, '$.basic_constraints.ca'), 0) = 1
           OR (ifnull(json_extract(facts, '$.basic_constraints.critical'), 1) = 0
               AND json_extract(facts, '$.not_before') >= '2023-09-15')
           OR json_type(facts, '$.extended_key_usage') IS NOT 'array'
           OR NOT EXISTS (SELECT 1 FROM json_each(facts, '$.extended_key_usage')
                          WHERE value = 'serverAuth')
           OR EXISTS (SELECT 1 FROM json_each(facts, '$.extended_key_usage') WHERE value IN
                      ('anyExtendedKeyUsage', 'emailProtection', 'codeSigning',
                       'timeStamping', 'OCSPSigning'))
           OR EXISTS (SELECT 1 FROM json_each(facts, '$.key_usage')
                      WHERE value IN ('keyCertSign', 'cRLSign')) END AS bad,
    subject || ': basicConstraints ' ||
      CASE WHEN json_type(facts, '$.basic_constraints') IS NOT 'object' THEN 'absent'
           ELSE 'cA=' || CASE WHEN json_extract(facts, '$.basic_constraints.ca')
                              THEN 'TRUE' ELSE 'FALSE' END ||
                CASE WHEN json_extract(facts, '$.basic_constraints.critical') THEN ' critical'
                     ELSE ' not critical' END END ||
      ', EKU ' || ifnull((SELECT group_concat(value, '+') FROM
                          json_each(facts, '$.extended_key_usage')), 'absent') ||
      ', KU ' || ifnull((SELECT group_concat(value, '+') FROM json_each(facts, '$.key_usage')),
                        'absent') AS detail
  FROM l
UNION ALL
  -- cabf-br/key (rules/certificate/br-key.sql)
  SELECT 'cabf-br/key' AS rule, resource, sha256, trusted,
    CASE WHEN key_type IN ('RSA', 'RSA-PSS') THEN
              CASE WHEN key_bits IS NULL THEN NULL
                   ELSE key_bits < 2048 OR key_bits % 8 <> 0 END
         WHEN key_type = 'ECDSA' THEN
              ifnull(curve, '') NOT IN ('secp256r1', 'secp384r1', 'secp521r1')
         WHEN key_type IS NULL THEN NULL
         ELSE 1 END AS bad,
    subject || ': ' || ifnull(key_type, '?') || ' ' || ifnull(key_bits, '?') || ' bits' ||
      CASE WHEN curve IS NOT NULL THEN ' ' || curve ELSE '' END ||
      CASE WHEN key_type IN ('RSA', 'RSA-PSS') AND key_bits < 2048 THEN ' (< 2048)'
           WHEN key_type IN ('RSA', 'RSA-PSS') AND key_bits % 8 <> 0 THEN ' (not a multiple of 8)'
           WHEN key_type = 'ECDSA' AND ifnull(curve, '') NOT IN
                ('secp256r1', 'secp384r1', 'secp521r1') THEN ' (curve not allowed)'
           WHEN key_type NOT IN ('RSA', 'RSA-PSS', 'ECDSA') THEN ' (key type not allowed)'
           ELSE '' END AS detail
  FROM l
UNION ALL
  -- cabf-br/policies (rules/certificate/br-policies.sql)
  SELECT 'cabf-br/policies' AS rule, resource, sha256, trusted,
    CASE WHEN json_type(facts, '$.policies') IS NOT 'array' THEN NULL
         ELSE (SELECT count(*) FROM json_each(facts, '$.policies') WHERE value IN
               ('2.23.140.1.2.1', '2.23.140.1.2.2', '2.23.140.1.2.3', '2.23.140.1.1')) <> 1
         END AS bad,
    subject || ': policies ' || ifnull((SELECT group_concat(value, ',') FROM
                                       json_each(facts, '$.policies')), 'absent') AS detail
  FROM l
UNION ALL
  -- cabf-br/revocation (rules/certificate/br-revocation.sql)
  SELECT 'cabf-br/revocation' AS rule, resource, sha256, trusted,
    CASE WHEN validity_seconds IS NULL OR n_crl_urls IS NULL OR n_ocsp_urls IS NULL
              THEN NULL
         WHEN validity_seconds <= CASE WHEN not_before >= '2026-03-15' THEN 7 ELSE 10 END * 86400
              THEN 0
         ELSE n_crl_urls = 0 AND n_ocsp_urls = 0 END AS bad,
    subject || ': ' || ifnull(n_ocsp_urls, '?') || ' OCSP URL(s), ' || ifnull(n_crl_urls, '?') ||
      ' CRL URL(s), validity ' || ifnull(validity_seconds, '?') || ' s' ||
      CASE WHEN validity_seconds <= CASE WHEN not_before >= '2026-03-15' THEN 7 ELSE 10 END
                * 86400 THEN ' (short-lived)' ELSE '' END AS detail
  FROM l
UNION ALL
  -- cabf-br/san (rules/certificate/br-san.sql)
  SELECT 'cabf-br/san' AS rule, resource, sha256, trusted,
    CASE WHEN facts IS NULL OR san_count IS NULL THEN NULL
         ELSE san_count = 0 OR (cn IS NOT NULL AND NOT cn_in_san) OR
              (NOT json_extract(facts, '$.san_truncated') AND san_count >
               json_array_length(facts, '$.san_dns') + json_array_length(facts, '$.san_ip'))
         END AS bad,
    subject || ': ' || san_count || ' SAN entries' ||
      CASE WHEN san_count = 0 THEN ' (no subjectAltName)' ELSE '' END ||
      CASE WHEN cn IS NOT NULL AND NOT cn_in_san THEN ', CN ' || cn || ' not among them'
           ELSE '' END ||
      CASE WHEN san_count > 0 AND NOT json_extract(facts, '$.san_truncated') AND san_count >
                json_array_length(facts, '$.san_dns') + json_array_length(facts, '$.san_ip')
           THEN ', entries other than DNS/IP' ELSE '' END AS detail
  FROM l
UNION ALL
  -- cabf-br/signature (rules/certificate/br-signature.sql)
  SELECT 'cabf-br/signature' AS rule, resource, sha256, trusted,
    CASE WHEN sig_alg IS NULL THEN NULL
         ELSE NOT (ifnull(sig_hash, '') IN ('sha256', 'sha384', 'sha512') AND
                   (sig_alg LIKE '%WithRSAEncryption' OR sig_alg = 'rsassaPss' OR
                    sig_alg LIKE 'ecdsa-with-SHA%')) END AS bad,
    subject || ': ' || ifnull(sig_alg, '?') AS detail
  FROM l
UNION ALL
  -- cabf-br/validity (rules/certificate/br-validity.sql)
  SELECT 'cabf-br/validity' AS rule, resource, sha256, trusted,
    CASE WHEN validity_seconds IS NULL OR not_before IS NULL THEN NULL
         WHEN not_before >= '2020-09-01' THEN NOT cabf_validity_ok
         WHEN not_before >= '2018-03-01' THEN validity_seconds > 825 * 86400
         ELSE NULL END AS bad,
    subject || ': validity ' || ifnull(validity_seconds, '?') || ' s (' ||
      ifnull(validity_days, '?') || ' d) from ' || ifnull(not_before, '?') || ', max ' ||
      CASE WHEN not_before >= '2020-09-01' THEN cabf_max_days || ' d'
           WHEN not_before >= '2018-03-01' THEN '825 d'
           ELSE 'not judged (issued before 2018-03-01)' END AS detail
  FROM l
