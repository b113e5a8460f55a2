-- id: model/novelty
-- title: An observation far outside its server's learned baseline
-- severity: medium
-- requirements: rogue-cert:R1, rogue-cert:R6, downgrade:D6
-- remediation: Check with the server's operator whether the new certificate, issuer,
--   version or suite is theirs (a renewal, a CA or load-balancer change); if it is, mark
--   the finding false_positive (tlsscope triage): the model then treats those values as
--   known for that server. If not, treat it as a possible interception.
-- description: The model (analyzer/model.h) scores every connection and scan against its
--   server's decayed history of leaf, SPKI, issuer, version, suite and JA3S: surprise
--   -log2 p with smoothing, damped for servers that rotate (Good-Turing f1/n, distinct
--   leaves and issuers per day by HyperLogLog). Only mature baselines (50 observations
--   over 3 days) are judged. Alarm: an observation in the server's last 30 days of
--   history scored >= 12, i.e. about two identity values (leaf and key, or a new issuer,
--   weight 2) never seen at a server with ~100 observations or more; the reason gives
--   the highest score and its top terms, the evidence up to 20 such observations.
WITH sc AS (
  SELECT s.*, max(s.ts) OVER (PARTITION BY s.resource) AS last_ts
  FROM scores s WHERE s.mature = 1
), recent AS (
  SELECT * FROM sc
  WHERE julianday(ts) >= julianday(last_ts) - 30
), hi AS (
  SELECT r.*, row_number() OVER (PARTITION BY r.resource ORDER BY r.score DESC, r.id) AS rk
  FROM recent r WHERE r.score >= 12
), top AS (
  SELECT h.resource, h.score, h.ref_kind, h.ref_id, h.ts,
    (SELECT group_concat(t, ', ') FROM (
       SELECT json_extract(j.value, '$.term') || ' ' ||
              substr(ifnull(json_extract(j.value, '$.value'), ''), 1, 24) || ' ' ||
              printf('%.1f', json_extract(j.value, '$.novelty') *
                             json_extract(j.value, '$.weight')) AS t
       FROM json_each(h.terms) j
       WHERE json_extract(j.value, '$.novelty') * json_extract(j.value, '$.weight') > 0
       ORDER BY json_extract(j.value, '$.novelty') * json_extract(j.value, '$.weight') DESC
       LIMIT 3)) AS terms
  FROM hi h WHERE h.rk = 1
), per AS (
  SELECT resource, count(*) AS n,
    json_group_array(ref_kind || ':' || ref_id) FILTER (WHERE rk <= 20) AS evidence
  FROM hi GROUP BY resource
)
SELECT t.resource AS resource, 'alarm' AS status,
  printf('%d observation(s) scored >= 12 against a mature baseline; highest %.1f (%s:%d at %s): %s',
         p.n, t.score, t.ref_kind, t.ref_id, t.ts, ifnull(t.terms, '')) AS reason,
  p.evidence AS evidence, t.score AS score
FROM top t JOIN per p ON p.resource = t.resource
UNION ALL
SELECT o.resource, 'ok',
  printf('%d observation(s) in the last 30 days of a mature baseline, highest score %.1f (< 12)',
         o.n, o.mx),
  json_array(o.ref_kind || ':' || o.ref_id), o.mx
FROM (SELECT r.resource, r.ref_kind, r.ref_id, count(*) OVER w AS n, max(r.score) OVER w AS mx,
        row_number() OVER (PARTITION BY r.resource ORDER BY r.score DESC, r.id) AS rk
      FROM recent r WINDOW w AS (PARTITION BY r.resource)) o
WHERE o.rk = 1 AND o.resource NOT IN (SELECT resource FROM hi)
