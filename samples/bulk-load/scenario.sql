-- title: Bulk loading: INSERT extends the table, COPY uses a ring of its own
-- description: INSERT ... SELECT adds new blocks at the end of the table one after another (extends). COPY
-- description: FROM loads through a bulk-write ring of buffers, so loading a big file does not flush the pool.
-- look for: Both new tables grow from the top as red cells (extends), block by block. Blue cells (writes) appear in
-- look for: copied only: COPY's ring writes its own buffers out while loading; inserted's new pages stay dirty in the pool.
-- set shared_buffers = 16MB

-- @setup
CREATE TABLE source AS SELECT g AS id, repeat('c', 100) AS payload FROM generate_series(1, 40000) g;
COPY source TO '${scratch}/source.csv' WITH (FORMAT csv);
CREATE TABLE inserted (id int, payload text);
CREATE TABLE copied (id int, payload text);

-- @record
INSERT INTO inserted SELECT * FROM source;
-- @sleep 1s
COPY copied FROM '${scratch}/source.csv' WITH (FORMAT csv);
