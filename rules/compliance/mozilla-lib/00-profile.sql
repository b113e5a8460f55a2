-- view: mozilla_profile
-- description: The three Mozilla profiles the rules of rules/compliance/mozilla-*/ judge: profile
--   (the rules' profile name), guidelines (the ref_doc document: mozilla-6.0 or mozilla-5.8),
--   config (its key under configurations) and c (that configuration object, as JSON text). Every
--   mozilla_* view computes its check for all three profiles, with a profile column; each rule
--   selects its own profile's rows.
CREATE TEMP VIEW mozilla_profile AS
SELECT p.profile, p.guidelines, p.config,
       json_extract(r.doc, '$.configurations.' || p.config) AS c
FROM (SELECT 'mozilla-6.0-modern' AS profile, 'mozilla-6.0' AS guidelines, 'modern' AS config
      UNION ALL SELECT 'mozilla-6.0-intermediate', 'mozilla-6.0', 'intermediate'
      UNION ALL SELECT 'mozilla-5.8-old', 'mozilla-5.8', 'old') p
JOIN ref_doc r ON r.name = p.guidelines
