package io.pgbftrace.session;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Which relation a rewriting backend's accesses go to, as PostgreSQL counts them. */
class RewritesTest {
    private static final int DB = 5;
    private static final int DOCS = 100;
    private static final int TOAST = 101;
    private static final int TOAST_IDX = 102;
    private static final int DOCS_PKEY = 103;
    /** A TOAST table handed over by its link (ALTER TABLE): a new oid that keeps its one file. */
    private static final int NEW_TOAST = 200;

    private static Relation rel(int relfilenode, int oid, String schema, String name, String kind, Integer parent,
                                long seenAtNs) {
        return new Relation(DB, "db", 1663, relfilenode, oid, schema, name, kind, "permanent", parent, null, 1L,
                !"public".equals(schema), false, seenAtNs, seenAtNs == 0 ? "start" : "lookup");
    }

    private static Event hit(long t, int pid, int relfilenode) {
        return Event.access(EventKind.HIT, t, pid, DB, 1663, relfilenode, 0, 0, false);
    }

    /** Runs events through a tracker and groups them: relation name (or transient's description) -> hits. */
    private static Map<String, Long> grouped(Catalog catalog, List<Event> events) {
        Rewrites rewrites = new Rewrites();
        FileParts<long[]> parts = new FileParts<>(rewrites, k -> new long[]{0, Long.MAX_VALUE}, p -> p[1]);
        for (Event e : events) {
            rewrites.event(e);
            if (e.kind().hasRelation()) {
                long[] p = parts.of(e);
                p[0]++;
                p[1] = Math.min(p[1], e.timeNs());
            }
        }
        Map<String, Long> out = new HashMap<>();
        parts.group(catalog, (id, r, rewrite, key, p) -> out.merge(r == null ? "file " + key
                : rewrite == null ? r.qualifiedName() : Rewrites.describe(rewrite, r.qualifiedName()), p[0], Long::sum));
        return out;
    }

    @Test
    void newFilesAreTheTransientsUntilTheSwapAndTheRelationsAfter() {
        Catalog c = Catalog.of(List.of(
                rel(1000, DOCS, "public", "docs", "table", null, 0),
                rel(1001, TOAST, "pg_toast", "pg_toast_100", "toast", DOCS, 0),
                rel(1002, TOAST_IDX, "pg_toast", "pg_toast_100_index", "index", TOAST, 0),
                rel(1003, DOCS_PKEY, "public", "docs_pkey", "index", DOCS, 0),
                // after the commit the look-ups find the new files under the old oids (swapped by content)
                rel(2001, TOAST, "pg_toast", "pg_toast_100", "toast", DOCS, 900),
                rel(2002, TOAST_IDX, "pg_toast", "pg_toast_100_index", "index", TOAST, 900),
                rel(2003, DOCS_PKEY, "public", "docs_pkey", "index", DOCS, 900)));
        List<Event> events = new ArrayList<>(List.of(
                Event.query(10, 7, "vacuum (verbose) FULL docs"),
                hit(20, 7, 1000), // the old heap, read through docs
                Event.marker(EventKind.REWRITE_START, 30, 7, DOCS),
                hit(40, 7, 1000), hit(41, 7, 1001), hit(42, 7, 1002), // old files: docs's own
                hit(50, 7, 2001), hit(51, 7, 2001), hit(52, 7, 2002), // new TOAST files: the transient's
                hit(55, 8, 1000), // another backend reading the old heap meanwhile
                Event.marker(EventKind.REWRITE_SWAP, 60, 7, DOCS),
                hit(70, 7, 2003), // an index rebuilt after the swap: its own
                hit(80, 7, 2001), // the new TOAST file after the swap: the relation's
                Event.marker(EventKind.QUERY_DONE, 90, 7, 0)));
        Map<String, Long> g = grouped(c, events);
        assertEquals(Map.of(
                "public.docs", 3L,
                "pg_toast.pg_toast_100", 2L,
                "pg_toast.pg_toast_100_index", 1L,
                "rewrite of pg_toast.pg_toast_100 by VACUUM FULL", 2L,
                "rewrite of pg_toast.pg_toast_100_index by VACUUM FULL", 1L,
                "public.docs_pkey", 1L), g);
    }

    @Test
    void aRelationNewWithTheRewriteKeepsItsCountsAndAnUncommittedRewriteIsNamedAfterItsRelation() {
        Catalog c = Catalog.of(List.of(
                rel(1000, DOCS, "public", "docs", "table", null, 0),
                rel(3000, NEW_TOAST, "pg_toast", "pg_toast_100", "toast", DOCS, 900)));
        Map<String, Long> g = grouped(c, List.of(
                Event.query(10, 7, "ALTER TABLE docs ALTER n TYPE bigint"),
                Event.marker(EventKind.REWRITE_START, 30, 7, DOCS),
                hit(40, 7, 3000), // a TOAST table handed over by link: the same oid before and after
                Event.marker(EventKind.REWRITE_SWAP, 60, 7, DOCS),
                Event.query(100, 7, "REFRESH MATERIALIZED VIEW CONCURRENTLY docs"),
                Event.marker(EventKind.REWRITE_START, 110, 7, DOCS),
                hit(120, 7, 4000), // never named: the transient was dropped without a swap
                Event.marker(EventKind.QUERY_DONE, 130, 7, 0),
                hit(140, 7, 1000)));
        assertEquals(Map.of(
                "pg_toast.pg_toast_100", 1L,
                "rewrite of public.docs by REFRESH MATERIALIZED VIEW", 1L,
                "public.docs", 1L), g);
    }
}
