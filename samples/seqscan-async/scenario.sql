-- title: Asynchronous reads (PostgreSQL 18): a cold sequential scan read ahead by I/O workers
-- description: PostgreSQL 18 reads asynchronously. A sequential scan asks for the blocks it will need before it
-- description: reaches them, 16 neighbours at a time (io_combine_limit 128 kB), and with io_method = worker an
-- description: I/O worker process performs each read while the backend goes on. The table (16 MB) fits in
-- description: shared_buffers (128 MB), so the second scan finds every block there.
-- look for: The first scan's misses come 16 at a time: each run of 16 blocks is one read, issued together and
-- look for: completed together (their latency counts the wait for a worker). The second scan is all hits and
-- look for: reads nothing. In the report: the misses heatmap has only the first diagonal.
-- requires: PostgreSQL 18
-- set shared_buffers = 128MB
-- set io_method = worker

-- @setup
CREATE TABLE big (id int, payload text);
INSERT INTO big SELECT g, repeat('a', 500) FROM generate_series(1, 30000) g;
VACUUM ANALYZE big;

-- @record
SELECT count(*) FROM big;
-- @sleep 1s
SELECT count(*) FROM big;
