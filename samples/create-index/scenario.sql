-- title: CREATE INDEX reads the whole table
-- description: Building a B-tree index scans every block of the table, then sorts. The new index's pages are
-- description: written straight to disk, past shared buffers, so the index itself shows almost no buffer
-- description: accesses while it is built.
-- look for: The table turns red top to bottom in one sweep while the new index stays dark: its pages are written
-- look for: past shared buffers. The index lights a few cells only at the query afterwards.
-- set shared_buffers = 16MB
-- set maintenance_work_mem = 64MB

-- @setup
CREATE TABLE items (id int, sku text);
INSERT INTO items SELECT g, md5(g::text) FROM generate_series(1, 50000) g;
VACUUM ANALYZE items;

-- @record
CREATE INDEX items_sku ON items (sku);
-- @sleep 1s
SELECT count(*) FROM items WHERE sku LIKE 'ab%';
