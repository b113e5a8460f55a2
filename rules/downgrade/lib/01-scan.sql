-- view: dg_scan
-- description: Every successful finished scan (scans: finished, error NULL) with what the
--   rules of rules/downgrade/ compare: best (the rank of the highest $.protocols key whose
--   value is true, ranks as in dg_conn; NULL when none), best_name (that version's name),
--   has13 ($.protocols."TLSv1.3": 1, 0 or NULL) and result. Rules join it on the scan_id of
--   dg_conn after materializing the scans they need, so each result is parsed once.
CREATE TEMP VIEW dg_scan AS
SELECT scan_id, result, best,
       CASE best WHEN 2 THEN 'SSLv2' WHEN 3 THEN 'SSLv3' WHEN 10 THEN 'TLSv1.0'
            WHEN 11 THEN 'TLSv1.1' WHEN 12 THEN 'TLSv1.2' WHEN 13 THEN 'TLSv1.3' END AS best_name,
       has13
FROM (SELECT s.id AS scan_id, s.result,
             (SELECT max(CASE p.key WHEN 'SSLv2' THEN 2 WHEN 'SSLv3' THEN 3 WHEN 'TLSv1.0' THEN 10
                                    WHEN 'TLSv1.1' THEN 11 WHEN 'TLSv1.2' THEN 12
                                    WHEN 'TLSv1.3' THEN 13 END)
              FROM json_each(s.result, '$.protocols') p WHERE p.value = 1) AS best,
             json_extract(s.result, '$.protocols."TLSv1.3"') AS has13
      FROM scans s WHERE s.finished IS NOT NULL AND s.error IS NULL)
