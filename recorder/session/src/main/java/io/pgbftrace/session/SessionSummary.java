package io.pgbftrace.session;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
    private final Map<String, Long> writesByProcess;
    private final List<Checkpoints.Checkpoint> checkpoints;

    private SessionSummary(Builder b, java.util.Collection<RelationStats> rows, SessionReader reader) {
        this.counts.putAll(b.counts);
        this.relations = new ArrayList<>(rows);
        this.relations.sort(Comparator.comparingLong(RelationStats::accesses).reversed()
                .thenComparing(RelationStats::displayName));
        this.lostEvents = reader.lostCounted();
        this.firstTimeNs = b.first;
        this.lastTimeNs = b.last;
        this.hiddenEvents = b.hidden;
        this.ended = reader.ended();
        this.writesByProcess = b.writers.totals();
        this.checkpoints = b.checkpoints.list();
    }

    /**
     * Buffer writes by the kind of process that wrote them ({@link ServerProcess#KINDS}, in that order; kinds with
     * no writes left out). A session without process records (before format 1.2) knows only the checkpointer.
     */
    public Map<String, Long> writesByProcess() {
        return writesByProcess;
    }

    /** The checkpoints that started within the session, in order. */
    public List<Checkpoints.Checkpoint> checkpoints() {
        return checkpoints;
    }

    public static SessionSummary of(SessionReader reader, boolean includeRecorder) {
        Builder b = new Builder(BackendFilter.of(reader.metadata(), includeRecorder));
        reader.read(b);
        return b.build(reader);
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
        private final BackendFilter filter;
        private final Catalog catalog = new Catalog();
        private final Map<EventKind, Long> counts = new EnumMap<>(EventKind.class);
        private final Rewrites rewrites = new Rewrites();
        /** Per file (and rewrite), with the time of its first event: resolved once everything is read. */
        private final FileParts<Part> files = new FileParts<>(rewrites, k -> new Part(new RelationStats(null, k)),
                p -> p.firstNs);
        private long first;
        private long last;
        private long hidden;
        private final WritesByProcess writers = new WritesByProcess();
        private final Checkpoints checkpoints = new Checkpoints();

        Builder(BackendFilter filter) {
            this.filter = filter;
        }

        @Override
        public void relation(Relation r) {
            catalog.add(r);
        }

        @Override
        public void process(ServerProcess p) {
            writers.process(p);
        }

        @Override
        public void event(Event e) {
            if (filter.hides(e.pid())) {
                hidden++;
                return;
            }
            counts.merge(e.kind(), 1L, Long::sum);
            rewrites.event(e);
            writers.event(e);
            checkpoints.event(e);
            if (first == 0 || e.timeNs() < first) {
                first = e.timeNs();
            }
            last = Math.max(last, e.timeNs());
            if (!e.kind().hasRelation()) {
                return;
            }
            Part p = files.of(e);
            p.stats.add(e);
            p.firstNs = Math.min(p.firstNs, e.timeNs());
        }

        SessionSummary build(SessionReader reader) {
            Map<Object, RelationStats> rows = new HashMap<>();
            files.group(catalog, (id, r, rewrite, key, part) ->
                    rows.computeIfAbsent(id, k -> new RelationStats(r, key).rewrite(rewrite)).merge(part.stats));
            for (Relation r : catalog.all()) { // the freshest record of each relation (its latest size)
                RelationStats s = rows.get(Catalog.RelationId.of(r));
                if (s != null) {
                    s.seen(r);
                }
            }
            return new SessionSummary(this, rows.values(), reader);
        }
    }

    /** One file's (or one rewrite's part of a file's) figures. */
    private static final class Part {
        final RelationStats stats;
        long firstNs = Long.MAX_VALUE;

        Part(RelationStats stats) {
            this.stats = stats;
        }
    }
}
