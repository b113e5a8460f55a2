-- view: mozilla_leaf
-- description: The distinct leaf certificates (depth 0 of every chain) of each endpoint's
--   latest successful scan, with the facts the Mozilla certificate checks judge.
CREATE TEMP VIEW mozilla_leaf AS
SELECT DISTINCT scan_id, sha256, key_type, key_bits, curve, sig_alg, validity_days,
       n_ocsp_urls, must_staple
FROM v_scan_cert WHERE depth = 0 AND scan_id IN (SELECT scan_id FROM v_scan WHERE error IS NULL)
