-- view: br_evidence
-- description: The evidence of each resource of br_seen, for br_verdict: a JSON array of every
--   leaf ("cert:SHA256") and every place it was seen (br_seen.ref), distinct, in text order.
--   Aggregated once for all resources and joined, rather than a subquery per verdict row.
CREATE TEMP VIEW br_evidence AS
SELECT resource, json_group_array(r) AS evidence
FROM (SELECT DISTINCT resource, r FROM (
        SELECT resource, 'cert:' || sha256 AS r FROM br_seen
        UNION ALL SELECT resource, ref FROM br_seen)
      ORDER BY resource, r)
GROUP BY resource
