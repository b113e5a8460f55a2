-- view: br_leaf
-- description: One row per (resource, leaf) of br_seen with every column of v_cert; trusted is
--   1 when any scanned chain with that leaf validated.
CREATE TEMP VIEW br_leaf AS
SELECT s.resource, max(s.trusted) AS trusted, v.*
FROM br_seen s JOIN v_cert v ON v.sha256 = s.sha256
GROUP BY s.resource, s.sha256
