-- title: Read streams (PostgreSQL 17): a cold sequential scan read in runs of 16 blocks
-- description: Since PostgreSQL 17 a sequential scan reads through a read stream: it pins the blocks it will need
-- description: a little ahead of the scan and reads neighbours together, up to io_combine_limit (128 kB = 16
-- description: blocks) in one vectored read. In 17 the backend performs each read itself, synchronously, when the
-- description: scan comes to the block. The table (16 MB) fits in shared_buffers (128 MB), so the second scan
-- description: finds every block there.
-- look for: The first scan's misses come in runs: after reads of 1, 2, 4 and 8 blocks while the stream ramps up,
-- look for: 16 neighbours are pinned and read together, one kernel read for the run. The second scan is all
-- look for: hits and reads nothing. Compare seqscan-small (15: a read per block) and seqscan-async (18: reads by
-- look for: I/O workers).
-- requires: PostgreSQL 17
-- set shared_buffers = 128MB

-- @setup
CREATE TABLE big (id int, payload text);
INSERT INTO big SELECT g, repeat('a', 500) FROM generate_series(1, 30000) g;
VACUUM ANALYZE big;

-- @record
SELECT count(*) FROM big;
-- @sleep 1s
SELECT count(*) FROM big;
