package io.pgbftrace.session;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class CatalogTest {
    static Relation rel(int db, int relfilenode, int oid, String name, long seenAt) {
        return new Relation(db, "db" + db, 1663, relfilenode, oid, "public", name, "table", "permanent", null, null,
                1L, false, false, seenAt, "start");
    }

    @Test
    void theSameRelfilenodeInTwoDatabasesNeverMixes() {
        Catalog c = Catalog.of(List.of(rel(5, 16390, 16390, "orders", 0), rel(6, 16390, 16390, "invoices", 0)));
        assertEquals("orders", c.resolve(new FileKey(5, 1663, 16390), 10).name());
        assertEquals("invoices", c.resolve(new FileKey(6, 1663, 16390), 10).name());
        assertNull(c.resolve(new FileKey(7, 1663, 16390), 10));
        assertNull(c.resolve(new FileKey(0, 0, 16390), 10), "ambiguous without a database");
    }

    @Test
    void aFileReusedLaterResolvesByTime() {
        Catalog c = Catalog.of(List.of(rel(5, 20000, 100, "dropped_t", 10), rel(5, 20000, 200, "new_t", 500)));
        assertEquals("dropped_t", c.resolve(new FileKey(5, 1663, 20000), 5).name(), "before any record: earliest");
        assertEquals("dropped_t", c.resolve(new FileKey(5, 1663, 20000), 499).name());
        assertEquals("new_t", c.resolve(new FileKey(5, 1663, 20000), 500).name());
    }

    @Test
    void importsWithoutDatabaseMatchAUniqueRelfilenode() {
        Catalog c = Catalog.of(List.of(rel(5, 16390, 16390, "orders", 0)));
        assertEquals("orders", c.resolve(new FileKey(0, 0, 16390), 0).name());
    }
}
