-- view: br_verdict
-- description: The verdicts of the rules of rules/certificate/br-*.sql, one row per (rule,
--   resource) from br_judged: alarm when any leaf fails, ok when every leaf passes, else skip;
--   the reason lists the leaves in sha256 order; the evidence cites every leaf and where it
--   was seen (br_evidence, joined once per resource).
CREATE TEMP VIEW br_verdict AS
SELECT v.rule, v.resource, v.status, v.reason, ifnull(e.evidence, '[]') AS evidence
FROM (SELECT j.rule, j.resource,
             CASE WHEN max(j.bad) = 1 THEN 'alarm'
                  WHEN count(j.bad) = count(*) THEN 'ok' ELSE 'skip' END AS status,
             CASE WHEN max(j.bad) = 1 THEN sum(j.bad = 1) || ' of ' || count(*) || CASE count(*) WHEN 1 THEN ' leaf fails: ' ELSE ' leaves fail: ' END
                  WHEN count(j.bad) = count(*) THEN count(*) || CASE count(*) WHEN 1 THEN ' leaf passes: ' ELSE ' leaves pass: ' END
                  ELSE 'undecided: ' END ||
               group_concat(substr(j.sha256, 1, 12) || ' ' || j.detail ||
                 CASE WHEN j.trusted = 0 THEN ' [chain not trusted: BR binds public CAs only]'
                      ELSE '' END, '; ') AS reason
      FROM (SELECT * FROM br_judged ORDER BY rule, resource, sha256) j
      GROUP BY j.rule, j.resource) v
LEFT JOIN br_evidence e ON e.resource = v.resource
