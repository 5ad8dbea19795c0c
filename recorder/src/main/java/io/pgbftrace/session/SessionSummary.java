package io.pgbftrace.session;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One pass over a session: event counts by kind, per-relation statistics, time span. Events of the recorder's
 * own backends are left out unless asked for.
 */
public final class SessionSummary {
    private final Map<EventKind, Long> counts = new EnumMap<>(EventKind.class);
    private final List<RelationStats> relations;
    private final long lostEvents;
    private final long firstTimeNs;
    private final long lastTimeNs;
    private final long hiddenEvents;
    private final boolean ended;

    private SessionSummary(Builder b) {
        this.counts.putAll(b.counts);
        this.relations = new ArrayList<>(b.rows.values());
        this.relations.sort(Comparator.comparingLong(RelationStats::accesses).reversed()
                .thenComparing(RelationStats::displayName));
        this.lostEvents = b.lost;
        this.firstTimeNs = b.first;
        this.lastTimeNs = b.last;
        this.hiddenEvents = b.hidden;
        this.ended = b.ended;
    }

    public static SessionSummary of(SessionReader reader, boolean includeRecorder) {
        Set<Integer> hide = includeRecorder ? Set.of() : Set.copyOf(reader.metadata().recorder.backendPids);
        Builder b = new Builder(hide);
        reader.read(b);
        return b.build();
    }

    public long count(EventKind k) {
        return counts.getOrDefault(k, 0L);
    }

    public long total() {
        return counts.values().stream().mapToLong(Long::longValue).sum();
    }

    public List<RelationStats> relations() {
        return relations;
    }

    public long lostEvents() {
        return lostEvents;
    }

    /** Monotonic time of the first event, or 0 when there is none. */
    public long firstTimeNs() {
        return firstTimeNs;
    }

    public long lastTimeNs() {
        return lastTimeNs;
    }

    /** Events of the recorder's own backends that were left out. */
    public long hiddenEvents() {
        return hiddenEvents;
    }

    /** Whether the session holds its end record (the recorder finished it). */
    public boolean ended() {
        return ended;
    }

    private static final class Builder implements SessionVisitor {
        private final Set<Integer> hide;
        private final Catalog catalog = new Catalog();
        private final Map<EventKind, Long> counts = new EnumMap<>(EventKind.class);
        /** Rows by (db, oid) for resolved relations, by file for unresolved ones. */
        private final Map<Object, RelationStats> rows = new HashMap<>();
        /** Files no record named when their events came; resolved (or not) once everything is read. */
        private final Map<FileKey, RelationStats> pending = new HashMap<>();
        private long lost;
        private long first;
        private long last;
        private long hidden;
        private boolean ended;

        Builder(Set<Integer> hide) {
            this.hide = hide;
        }

        @Override
        public void relation(Relation r) {
            catalog.add(r);
        }

        @Override
        public void event(Event e) {
            if (hide.contains(e.pid())) {
                hidden++;
                return;
            }
            counts.merge(e.kind(), 1L, Long::sum);
            if (first == 0 || e.timeNs() < first) {
                first = e.timeNs();
            }
            last = Math.max(last, e.timeNs());
            if (!e.kind().hasRelation()) {
                return;
            }
            Relation r = catalog.resolve(e.fileKey(), e.timeNs());
            if (r == null) {
                // a look-up may have been written after this event: resolve once everything is read
                pending.computeIfAbsent(e.fileKey(), k -> new RelationStats(null, k)).add(e);
                return;
            }
            row(r).add(e);
        }

        private RelationStats row(Relation r) {
            RelationStats s = rows.computeIfAbsent(new RelationId(r.db(), r.oid()), k -> new RelationStats(r, null));
            s.seen(r);
            return s;
        }

        @Override
        public void lost(long timeNs, long count) {
            lost += count;
        }

        @Override
        public void end(String reason) {
            ended = true;
        }

        SessionSummary build() {
            pending.forEach((key, stats) -> {
                Relation r = catalog.resolve(key, Long.MAX_VALUE);
                if (r != null) {
                    row(r).merge(stats);
                } else {
                    rows.put(key, stats);
                }
            });
            for (Relation r : catalog.all()) {
                RelationStats s = rows.get(new RelationId(r.db(), r.oid()));
                if (s != null) {
                    s.seen(r);
                }
            }
            return new SessionSummary(this);
        }
    }

    private record RelationId(int db, int oid) {
    }
}
