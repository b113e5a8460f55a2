-- id: browser-ct/sct
-- title: Enough SCTs for the browsers' Certificate Transparency policy
-- severity: medium
-- requirements: browser-ct:CT-SCT
-- remediation: Use a CA that embeds SCTs from enough logs (2 for certificates of at most
--   180 days, 3 beyond), or deliver at least 2 SCTs in the TLS extension or the stapled
--   OCSP response.
-- description: Chrome CT policy (2022-04-15) and Apple's: embedded SCTs >= 2 when the
--   lifetime (notAfter - notBefore, as Chrome computes it: validity_seconds - 1) is at
--   most 180 days, >= 3 beyond; or >= 2 SCTs delivered in the TLS extension or the stapled
--   OCSP response (the scan's per-chain counts sct.embedded, sct.tls_extension, sct.ocsp).
--   Applies to publicly-trusted certificates: chains that did not validate against the
--   scan's trust store (`trusted`, which is the public store unless --ca-file replaced
--   it) are skipped. Evaluated per chain of the latest scan of each endpoint (sniffed
--   connections carry no trust verdict and no TLS-extension SCTs: not judged); one row per
--   resource, alarm when any trusted chain falls short. Not decidable from our evidence:
--   SCT signatures, whether the logs are in the browsers' log lists, and the >= 2
--   distinct log operators (no log list is loaded).
WITH ch AS MATERIALIZED (
  SELECT c.scan_id, c.resource, c.chain, c.trusted, c.leaf_sha256,
         ifnull(c.sct_embedded, v.sct_count) AS emb,
         ifnull(c.sct_tls, 0) + ifnull(c.sct_ocsp, 0) AS delivered,
         v.validity_seconds,
         CASE WHEN v.validity_seconds - 1 <= 180 * 86400 THEN 2 ELSE 3 END AS need
  FROM v_scan_chain c LEFT JOIN v_cert v ON v.sha256 = c.leaf_sha256
  WHERE c.leaf_sha256 IS NOT NULL
),
ev AS MATERIALIZED (
  SELECT resource, json_group_array(r) AS evidence
  FROM (SELECT DISTINCT resource, r FROM (
          SELECT resource, 'scan:' || scan_id AS r FROM ch
          UNION ALL SELECT resource, 'cert:' || leaf_sha256 FROM ch)
        ORDER BY resource, r)
  GROUP BY resource
),
judged AS (
  SELECT *,
         CASE WHEN trusted IS NOT 1 THEN NULL
              WHEN emb IS NULL OR validity_seconds IS NULL THEN NULL
              ELSE NOT (emb >= need OR delivered >= 2) END AS bad
  FROM ch
)
SELECT v.resource, v.status, v.reason, ifnull(ev.evidence, '[]') AS evidence
FROM (
  SELECT resource,
         CASE WHEN max(bad) = 1 THEN 'alarm'
              WHEN count(bad) > 0 THEN 'ok' ELSE 'skip' END AS status,
         CASE WHEN count(bad) = 0 AND max(trusted IS NOT 1) = 1
                THEN 'no chain validated against the trust store (not publicly trusted): '
              WHEN max(bad) = 1 THEN 'too few SCTs: '
              ELSE 'SCTs sufficient: ' END ||
           group_concat('chain ' || chain || ' leaf ' || substr(leaf_sha256, 1, 12) ||
             CASE WHEN trusted IS NOT 1 THEN ' untrusted'
                  ELSE ' ' || ifnull(emb, '?') || ' embedded (need ' || need || ' for ' ||
                       ifnull((validity_seconds - 1) / 86400, '?') || ' d), ' || delivered ||
                       ' via TLS/OCSP (need 2)' END, '; ') AS reason
  FROM (SELECT * FROM judged ORDER BY resource, chain) j
  GROUP BY resource
) v LEFT JOIN ev ON ev.resource = v.resource
