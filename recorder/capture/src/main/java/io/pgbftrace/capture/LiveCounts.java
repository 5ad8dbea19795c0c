package io.pgbftrace.capture;

import io.pgbftrace.session.Event;
import io.pgbftrace.session.EventKind;
import io.pgbftrace.session.Relation;

import java.util.HashMap;
import java.util.Map;

/**
 * What a running recording has written so far, for views that watch it live ({@code record --metrics-port}):
 * events by kind and accesses by relation. The writer thread counts into plain fields and publishes a copy at each
 * tick of bpftrace's clock (100 ms) and when its input ends; any thread reads the copy. The figures are the
 * session's: every event counted here is one the session holds.
 */
public final class LiveCounts {
    /** A relation as the metrics name it. */
    public record RelationName(String database, String name) {
    }

    private final long[] byKind = new long[EventKind.values().length];
    /** Accesses per file, by (db << 32 | relfilenode); the writer thread's own. */
    private final Map<Long, long[]> accessesByFile = new HashMap<>();
    private final Map<Long, RelationName> names = new HashMap<>();

    private volatile long[] publishedKinds = new long[EventKind.values().length];
    private volatile Map<RelationName, Long> publishedRelations = Map.of();
    private volatile long lastTickNs;

    void event(Event e) {
        byKind[e.kind().ordinal()]++;
        if (e.kind().isAccess()) {
            accessesByFile.computeIfAbsent(key(e.db(), e.relfilenode()), k -> new long[1])[0]++;
        }
    }

    void relation(Relation r) {
        names.put(key(r.db(), r.relfilenode()), new RelationName(r.database() == null ? "shared" : r.database(),
                r.qualifiedName()));
    }

    /** Publishes what was counted up to a tick of bpftrace's monotonic clock. */
    void tick(long timeNs) {
        publish();
        lastTickNs = timeNs;
    }

    void publish() {
        Map<RelationName, Long> rel = new HashMap<>();
        for (Map.Entry<Long, long[]> e : accessesByFile.entrySet()) {
            long k = e.getKey();
            RelationName n = names.getOrDefault(k, new RelationName("db " + (k >>> 32),
                    "relfilenode " + (k & 0xFFFFFFFFL)));
            rel.merge(n, e.getValue()[0], Long::sum);
        }
        publishedRelations = Map.copyOf(rel);
        publishedKinds = byKind.clone();
    }

    private static long key(int db, int relfilenode) {
        return ((long) db << 32) | (relfilenode & 0xFFFFFFFFL);
    }

    /** Events of a kind written so far. */
    public long events(EventKind kind) {
        return publishedKinds[kind.ordinal()];
    }

    /** Accesses (hits, misses, extends) per relation so far; a file the catalog has not named yet by its number. */
    public Map<RelationName, Long> accessesByRelation() {
        return publishedRelations;
    }

    /** bpftrace's clock at the last tick the writer handled; 0 before the first. */
    public long lastTickNs() {
        return lastTickNs;
    }
}
