-- title: Index scans: a hot B-tree root, random leaves and heap pages
-- description: Two thousand point look-ups by primary key. Every look-up starts at the root page of the B-tree,
-- description: goes down to a leaf, then reads one heap page: the root is touched every time, leaves and heap
-- description: pages at random.
-- look for: In the index one cell, the B-tree root, lights on every look-up while leaves flash at random; in heat
-- look for: mode it is the hottest cell. The table gets scattered red (first reads) then green cells.
-- set shared_buffers = 16MB

-- @setup
CREATE TABLE accounts (id int PRIMARY KEY, balance int, filler text);
INSERT INTO accounts SELECT g, g % 1000, repeat('a', 80) FROM generate_series(1, 100000) g;
VACUUM ANALYZE accounts;

-- @record
SELECT setseed(0.42);
DO $$ DECLARE k int; BEGIN FOR i IN 1..2000 LOOP k := 1 + (random() * 99999)::int; PERFORM balance FROM accounts WHERE id = k; END LOOP; END $$;
