-- title: Large sequential scan: the 256 kB ring buffer
-- description: A table of about 16 MB is larger than a quarter of shared_buffers, so a sequential scan reads
-- description: it through a small ring of buffers instead of filling the pool. A second scan misses again:
-- description: the ring protected the rest of shared_buffers from being flushed out by one big scan.
-- look for: A short red front runs down big twice, and the second scan is as red as the first: the ring of 32
-- look for: buffers left nothing behind. In the report: two parallel diagonals with the idle second squeezed out.
-- set shared_buffers = 16MB

-- @setup
CREATE TABLE big (id int, payload text);
INSERT INTO big SELECT g, repeat('b', 500) FROM generate_series(1, 30000) g;
VACUUM ANALYZE big;

-- @record
SELECT count(*) FROM big;
-- @sleep 1s
SELECT count(*) FROM big;
