-- Rare words: with the default statistics target, a term outside the 100 most common gets a
-- flat estimate of about 0.3 % of posts, so the planner walks the primary key backwards
-- filtering on the tsvector and reads most of the table to find a rare word's few posts
-- (1.4–2.9 s at 1,000,000 replies). A target of 1,000 keeps enough term frequencies for it
-- to use the GIN index for rare terms (1.2 ms), at the price of a slower ANALYZE.
ALTER TABLE posts ALTER COLUMN search SET STATISTICS 1000;
