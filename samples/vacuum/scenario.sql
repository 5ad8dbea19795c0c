-- title: VACUUM, the visibility map and the free space map
-- description: A third of the rows were deleted. VACUUM reads the table, records the freed space in the free
-- description: space map (fork 1) and marks pages all-visible in the visibility map (fork 2), and cleans the
-- description: index. The second VACUUM skips the pages the visibility map says are all-visible.
-- look for: churn and churn_pkey turn red then blue in one fast sweep: VACUUM reads, dirties and, through its ring,
-- look for: writes its own pages. The second VACUUM a second later touches only a handful of pages.
-- set shared_buffers = 16MB

-- @setup
CREATE TABLE churn (id int PRIMARY KEY, payload text);
INSERT INTO churn SELECT g, repeat('v', 100) FROM generate_series(1, 30000) g;
VACUUM ANALYZE churn;
DELETE FROM churn WHERE id % 3 = 0;

-- @record
VACUUM churn;
-- @sleep 1s
VACUUM churn;
