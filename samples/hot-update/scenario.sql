-- title: HOT and non-HOT updates: when indexes are touched
-- description: Both tables get the same UPDATE of one row in ten. In "hot" (fillfactor 70, no indexed column
-- description: changed) the new row versions stay on their page: a heap-only tuple, no index entry. In "cold"
-- description: (fillfactor 100, an indexed column changed) each new version goes elsewhere and every index gets
-- description: a new entry.
-- look for: Select the three indexes. During the UPDATE of hot nothing happens in hot_pkey; during the UPDATE of
-- look for: cold both of its indexes light up, one entry per new row version.
-- set shared_buffers = 16MB

-- @setup
CREATE TABLE hot (id int PRIMARY KEY, counter int, note text) WITH (fillfactor = 70);
CREATE TABLE cold (id int PRIMARY KEY, counter int, note text) WITH (fillfactor = 100);
CREATE INDEX cold_counter ON cold (counter);
INSERT INTO hot SELECT g, 0, 'x' FROM generate_series(1, 20000) g;
INSERT INTO cold SELECT g, 0, 'x' FROM generate_series(1, 20000) g;
VACUUM ANALYZE hot;
VACUUM ANALYZE cold;

-- @record
UPDATE hot SET note = 'y' WHERE id % 10 = 0;
-- @sleep 1s
UPDATE cold SET counter = counter + 1 WHERE id % 10 = 0;
