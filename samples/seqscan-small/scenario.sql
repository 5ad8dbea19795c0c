-- title: Small sequential scan: the first run misses, the second hits
-- description: A table of about 1 MB fits easily in shared_buffers (16 MB). Right after a restart the buffer
-- description: pool is empty, so the first scan reads every block in; the second finds them all there.
-- look for: The first scan turns small red from top to bottom (misses), the second green (hits): the whole table
-- look for: stayed in shared buffers. In the report: two diagonal stripes, only the first one in the misses heatmap.
-- set shared_buffers = 16MB

-- @setup
CREATE TABLE small (id int, payload text);
INSERT INTO small SELECT g, repeat('s', 100) FROM generate_series(1, 8000) g;
VACUUM ANALYZE small;

-- @record
SELECT count(*) FROM small;
-- @sleep 1s
SELECT count(*) FROM small;
