package io.pgbftrace.report;

import io.pgbftrace.session.BackendFilter;
import io.pgbftrace.session.Catalog;
import io.pgbftrace.session.Checkpoints;
import io.pgbftrace.session.ServerProcess;
import io.pgbftrace.session.WritesByProcess;
import io.pgbftrace.session.Marker;
import io.pgbftrace.session.Event;
import io.pgbftrace.session.EventKind;
import io.pgbftrace.session.FileKey;
import io.pgbftrace.session.FileParts;
import io.pgbftrace.session.Rewrites;
import io.pgbftrace.session.Relation;
import io.pgbftrace.session.SessionMetadata;
import io.pgbftrace.session.SessionReader;
import io.pgbftrace.session.Statements;
import io.pgbftrace.session.SessionVisitor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongConsumer;

/**
 * The report's one pass over a session: per file (resolved to relations at the end, so look-ups written after
 * the first events still name them), the session timeline and its markers.
 */
final class ReportData implements SessionVisitor {
    static final int TIMELINE_BINS = 240;
    static final int MAX_MARKERS = 5000;
    /** Statements listed with their buffer counts; later ones are counted only. */
    static final int MAX_QUERIES = 500;
    /** Sessions with more accesses get no miss-ratio curve ({@code pgbftrace whatif} models any size). */
    static final long MAX_MODELLED_ACCESSES = 5_000_000;

    final SessionMetadata metadata;
    /** The window asked for (the whole session by default). */
    final long startNs;
    final long endNs;
    /** The heatmaps' and timeline's time axis: the activity in the window, idle gaps squeezed. */
    final TimeAxis axis;
    /** The first statements (by start), with the buffer events their backends made while running them. */
    final List<Statements.Execution> queries = new ArrayList<>();
    long queriesDropped;
    private final Statements statements = new Statements(this::statementEnded);
    final Checkpoints checkpoints = new Checkpoints();
    final WritesByProcess writers = new WritesByProcess();
    final ReportOptions options;
    final Catalog catalog = new Catalog();
    final Rewrites rewrites = new Rewrites();
    /** Per file (and per rewrite that filled it), resolved into relations after the pass. */
    final FileParts<RelationData> files;
    /** timeline[bin] = {accesses, kernel reads, writes} */
    final long[][] timeline = new long[TIMELINE_BINS][3];
    final List<Marker> markers = new ArrayList<>();
    /** Events by kind in the window (every kind that is always counted, and the others seen), after the pass. */
    final Map<EventKind, Long> counts = new LinkedHashMap<>();
    private final long[] kindCounts = new long[EventKind.values().length];
    long markersDropped;
    long lost;
    long hidden;
    long outsideWindow;
    boolean ended;
    boolean recorderAlive;
    Optional<String> damage = Optional.empty();

    /** The accesses for the miss-ratio curve (every one of the session, whatever the window or filter). */
    final io.pgbftrace.whatif.Whatif.Collector whatif;
    private final BackendFilter filter;
    private final Map<SeqKey, Long> lastBlock = new HashMap<>();
    /** The spans whose events were counted per slice ({from, to}), where sequences are not looked for. */
    private final long[][] countedSpans;
    private final LongConsumer progress;
    private long seen;

    /** A backend's reading of one fork of one file; equals and hashCode written out, as {@link FileKey}'s. */
    private record SeqKey(int pid, int db, int spc, int relfilenode, int fork) {
        @Override
        public boolean equals(Object o) {
            return o instanceof SeqKey k && k.pid == pid && k.relfilenode == relfilenode && k.fork == fork
                    && k.db == db && k.spc == spc;
        }

        @Override
        public int hashCode() {
            return (((pid * 31 + relfilenode) * 31 + fork) * 31 + db) * 31 + spc;
        }
    }

    ReportData(SessionReader reader, ReportOptions options, LongConsumer progress, boolean curve) {
        this.metadata = reader.metadata();
        this.options = options;
        this.progress = progress;
        this.filter = BackendFilter.of(metadata, options.includeRecorder());
        this.whatif = curve ? new io.pgbftrace.whatif.Whatif.Collector(metadata, MAX_MODELLED_ACCESSES,
                options.includeRecorder()) : null;
        long sessionStart = metadata.startMonotonicNs != null ? metadata.startMonotonicNs : 0;
        List<long[]> active = new ArrayList<>();
        long lastEvent = sessionStart;
        long firstEvent = Long.MAX_VALUE;
        // batch headers only (no events decoded): when anything happened, for the axis that squeezes idle time
        reader.scan(0, (position, h) -> active.add(new long[]{h.firstTimeNs(), h.lastTimeNs()}));
        for (long[] r : active) {
            lastEvent = Math.max(lastEvent, r[1]);
            firstEvent = Math.min(firstEvent, r[0]);
        }
        if (metadata.startMonotonicNs == null && firstEvent != Long.MAX_VALUE) {
            sessionStart = firstEvent; // imported: the first event is the start
        }
        long sessionEnd = Math.max(metadata.endMonotonicNs != null ? metadata.endMonotonicNs : sessionStart,
                lastEvent);
        this.startNs = options.fromSeconds() == null ? sessionStart
                : sessionStart + (long) (options.fromSeconds() * 1e9);
        long end = options.toSeconds() == null ? sessionEnd : sessionStart + (long) (options.toSeconds() * 1e9);
        this.endNs = Math.max(end, startNs + 1);
        this.axis = TimeAxis.of(sessionStart, active, startNs, endNs);
        this.countedSpans = metadata.bpftrace.aggregated == null ? new long[0][]
                : metadata.bpftrace.aggregated.stream().map(sp -> new long[]{sp.fromNs, sp.toNs}).toArray(long[][]::new);
        this.files = new FileParts<>(rewrites, k -> new RelationData(null, k, options.bins(), options.blockRows()),
                d -> d.firstTimeNs);
    }

    /**
     * Whether an event lies in a span counted per slice: its place in the slice is made up (the recorder laid the
     * counts evenly in the drain's order), so it says nothing about which block a backend read next.
     */
    private boolean counted(long timeNs) {
        for (long[] s : countedSpans) {
            if (timeNs >= s[0] && timeNs <= s[1]) {
                return true;
            }
        }
        return false;
    }

    long spanNs() {
        return endNs - startNs;
    }

    int bin(long timeNs, int bins) {
        return axis.bin(timeNs, bins);
    }

    @Override
    public void relation(Relation r) {
        catalog.add(r);
        if (whatif != null) {
            whatif.relation(r);
        }
    }

    @Override
    public void process(ServerProcess p) {
        writers.process(p);
        if (whatif != null) {
            whatif.process(p);
        }
    }

    @Override
    public void event(Event e) {
        if ((++seen & 0xFFFFF) == 0) {
            progress.accept(seen);
        }
        if (whatif != null) {
            whatif.event(e);
        }
        if (filter.hides(e.pid())) {
            hidden++;
            return;
        }
        rewrites.event(e); // before the window: a rewrite may begin before it
        if (e.timeNs() < startNs || e.timeNs() > endNs) {
            outsideWindow++;
            return;
        }
        kindCounts[e.kind().ordinal()]++;
        long[] t = timeline[bin(e.timeNs(), TIMELINE_BINS)];
        switch (e.kind()) {
            case HIT, MISS, EXTEND -> t[0]++;
            case READ -> t[1]++;
            case WRITE -> t[2]++;
            default -> {
                marker(e);
                return;
            }
        }
        statements.event(e);
        checkpoints.event(e);
        writers.event(e);
        RelationData d = files.of(e);
        if (e.kind().isAccess() && !counted(e.timeNs())) {
            Long last = lastBlock.put(new SeqKey(e.pid(), e.db(), e.spc(), e.relfilenode(), e.fork()), e.block());
            if (last != null) {
                d.transitions++;
                if (e.block() == last + 1) {
                    d.sequential++;
                }
            }
        }
        d.add(e, bin(e.timeNs(), options.bins()));
    }

    private void marker(Event e) {
        statements.event(e);
        if (!e.kind().isMarker()) {
            return;
        }
        if (markers.size() < MAX_MARKERS) {
            markers.add(Marker.of(e));
        } else {
            markersDropped++;
        }
        checkpoints.event(e);
        writers.event(e);
    }

    /** Keeps the first statements by start: they end (and come here) in another order. */
    private void statementEnded(Statements.Execution x) {
        queries.add(x);
        if (queries.size() > 2 * MAX_QUERIES) {
            trimQueries();
        }
    }

    private void trimQueries() {
        queries.sort(java.util.Comparator.comparingLong(Statements.Execution::startNs));
        while (queries.size() > MAX_QUERIES) {
            queries.remove(queries.size() - 1);
            queriesDropped++;
        }
    }

    /** After the pass: what the reader found (damage) and whether the session may still grow. */
    void finished(SessionReader reader) {
        for (EventKind k : EventKind.values()) {
            if (k.alwaysCounted() || kindCounts[k.ordinal()] > 0) {
                counts.put(k, kindCounts[k.ordinal()]);
            }
        }
        statements.finish();
        trimQueries();
        damage = reader.damage();
        lost = reader.lostCounted();
        ended = reader.ended();
        recorderAlive = reader.recorderAlive();
    }

    /**
     * Files merged into relations: by (db, oid) when the catalog names them, else one entry per file; what a
     * rewrite filled before its swap is its transient relation's entry.
     */
    List<RelationData> relations() {
        Map<Object, RelationData> out = new LinkedHashMap<>();
        files.group(catalog, (id, r, rewrite, key, data) -> {
            RelationData target = out.computeIfAbsent(id, k -> new RelationData(r, key, options.bins(),
                    options.blockRows()));
            target.stats.rewrite(rewrite);
            target.merge(data);
            if (r != null && rewrite == null) {
                target.stats.seen(r);
            }
        });
        // the freshest record of each relation (its latest size)
        for (Relation r : catalog.all()) {
            RelationData d = out.get(Catalog.RelationId.of(r));
            if (d != null) {
                d.stats.seen(r);
            }
        }
        return new ArrayList<>(out.values());
    }
}
