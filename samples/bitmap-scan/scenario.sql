-- title: Index scan and bitmap heap scan (PostgreSQL 19): the same rows, their blocks at random or in order
-- description: Two identical tables of 2,000 blocks hold their rows in no particular order of k (a hash). Both queries
-- description: fetch the rows with k < 1500 (one in twenty), through the index on k. The index scan visits the heap in k's
-- description: order: one block here, the next far away, each read when the scan gets there. The bitmap heap scan
-- description: first collects every matching block from the index, then visits them in block order through a
-- description: read stream, which reads ahead, asynchronously (io_method worker, PostgreSQL 18 and later).
-- look for: In by_index's grid the red cells light one at a time all over the table, and some blocks come back
-- look for: green (a second row in a block already read: a hit). In by_bitmap's they sweep from the first block
-- look for: to the last, several neighbours at once (one read), and nothing is visited twice. Both read the same
-- look for: blocks: the order differs, and so does the number of reads.
-- requires: PostgreSQL 18
-- set shared_buffers = 128MB
-- set io_method = worker

-- @setup
CREATE TABLE by_index (id int, k int, payload text);
INSERT INTO by_index SELECT g, abs(hashint4(g)) % 30000, repeat('i', 500) FROM generate_series(1, 30000) g;
CREATE INDEX by_index_k ON by_index (k);
CREATE TABLE by_bitmap (id int, k int, payload text);
INSERT INTO by_bitmap SELECT g, abs(hashint4(g)) % 30000, repeat('b', 500) FROM generate_series(1, 30000) g;
CREATE INDEX by_bitmap_k ON by_bitmap (k);
VACUUM ANALYZE by_index;
VACUUM ANALYZE by_bitmap;

-- @record
SET enable_seqscan = off;
SET enable_bitmapscan = off;
SELECT count(payload) FROM by_index WHERE k < 1500;
-- @sleep 1s
SET enable_bitmapscan = on;
SET enable_indexscan = off;
SELECT count(payload) FROM by_bitmap WHERE k < 1500;
