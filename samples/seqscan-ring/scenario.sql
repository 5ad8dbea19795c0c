-- title: Large sequential scan: the 256 kB ring buffer
-- description: A table of about 16 MB is larger than a quarter of shared_buffers, so a sequential scan reads
-- description: it through a small ring of buffers instead of filling the pool. A second scan misses again:
-- description: the ring protected the rest of shared_buffers from being flushed out by one big scan.
-- set shared_buffers = 16MB

-- @setup
CREATE TABLE big (id int, payload text);
INSERT INTO big SELECT g, repeat('b', 500) FROM generate_series(1, 30000) g;
VACUUM ANALYZE big;

-- @record
SELECT count(*) FROM big;
-- @sleep 1s
SELECT count(*) FROM big;
