-- title: A tour: misses, hits and the ring buffer
-- description: A small table is read twice: the first scan reads every block in (misses), the second finds
-- description: them in shared buffers (hits). Then a table larger than a quarter of shared_buffers is read
-- description: twice through a 256 kB ring: it keeps missing, and evicts nothing else.
-- look for: small turns red, then green on every later scan; big stays red on both scans, a narrow front sweeping down:
-- look for: it goes through a 32-buffer ring. Compare their hit ratios in the report.
-- set shared_buffers = 16MB

-- @setup
CREATE TABLE small (id int, payload text);
INSERT INTO small SELECT g, repeat('s', 100) FROM generate_series(1, 8000) g;
CREATE TABLE big (id int, payload text);
INSERT INTO big SELECT g, repeat('b', 500) FROM generate_series(1, 30000) g;
VACUUM ANALYZE small;
VACUUM ANALYZE big;

-- @record
SELECT count(*) FROM small;
-- @sleep 1s
SELECT count(*) FROM small;
-- @sleep 1s
SELECT count(*) FROM big;
-- @sleep 1s
SELECT count(*) FROM big;
-- @sleep 1s
SELECT count(*) FROM small;
