-- title: CHECKPOINT writes dirty buffers out
-- description: An UPDATE dirties half the rows' pages in shared buffers; nothing is written yet. CHECKPOINT
-- description: then writes every dirty buffer to disk, in block order, from the checkpointer process.
-- look for: Nothing is written during the UPDATE. Between the two checkpoint markers a blue front of writes runs
-- look for: down the table in block order; the checkpoint-done marker says how many buffers the checkpointer wrote.
-- set shared_buffers = 16MB
-- set checkpoint_timeout = 1h
-- set bgwriter_lru_maxpages = 0

-- @setup
CREATE TABLE dirty (id int, payload text);
INSERT INTO dirty SELECT g, repeat('d', 100) FROM generate_series(1, 20000) g;
VACUUM ANALYZE dirty;

-- @record
UPDATE dirty SET payload = repeat('e', 100) WHERE id % 2 = 0;
-- @sleep 1s
CHECKPOINT;
