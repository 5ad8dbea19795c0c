package io.pgbftrace.replay;

import io.pgbftrace.session.BackendFilter;
import io.pgbftrace.session.BatchCodec;
import io.pgbftrace.session.Marker;
import io.pgbftrace.session.Catalog;
import io.pgbftrace.session.Checkpoints;
import io.pgbftrace.session.EventKind;
import io.pgbftrace.session.FileKey;
import io.pgbftrace.session.Relation;
import io.pgbftrace.session.SessionMetadata;
import io.pgbftrace.session.SessionReader;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A session opened for replay: a time index of its batches (from their headers only, so opening is quick
 * whatever the size), its relations, and, filled by a background pass, its query and checkpoint markers.
 * {@link #refresh()} picks up what a recorder appended since. Thread-safe.
 */
final class ReplayIndex implements AutoCloseable {
    static final int MAX_MARKERS = 20_000;
    /** A relation's grid has at most this many cells; a cell stands for a power-of-two number of blocks. */
    static final long MAX_CELLS = 1 << 16;

    /** A relation (or a file no catalog record names) as the page knows it. */
    static final class Entry {
        final int id;
        final Object identity;
        Relation relation;
        FileKey file;
        long appearsAtNs;
        long maxBlock = -1;
        /** An event named it. */
        volatile boolean touched;

        Entry(int id, Object identity) {
            this.id = id;
            this.identity = identity;
        }

        long cellBlocks() {
            long blocks = Math.max(maxBlock + 1, relation == null || relation.sizeBlocks() == null ? 1
                    : relation.sizeBlocks());
            long cell = 1;
            while (blocks / cell > MAX_CELLS) {
                cell *= 2;
            }
            return cell;
        }
    }

    private final SessionReader reader;
    private final BackendFilter filter;
    private final Catalog catalog = new Catalog();
    private final List<Entry> entries = new ArrayList<>();
    private final Map<Object, Entry> byIdentity = new HashMap<>();
    private final Map<FileKey, Entry> fileEntries = new HashMap<>();
    private final List<Marker> markers = new ArrayList<>();
    /** The done marker's figure: the checkpointer's writes since its start (only the background pass uses it). */
    private final Checkpoints checkpoints = new Checkpoints();
    private long[] queueIndex = new long[256];
    private long[] first = new long[256];
    private long[] last = new long[256];
    private long[] prefixMaxLast = new long[256];
    private int batches;
    /** The latest first-event time of the batches so far, and how much earlier than it a later batch began. */
    private long maxFirst = Long.MIN_VALUE;
    private long lateness;
    private long next;
    private long events;
    private boolean ended;
    private long lost;
    private long markersDropped;
    private volatile long markerScanBatches;
    private volatile boolean markerScanDone;

    ReplayIndex(SessionReader reader, boolean includeRecorder) {
        this.reader = reader;
        this.filter = BackendFilter.of(reader.metadata(), includeRecorder);
        refresh();
    }

    SessionMetadata metadata() {
        return reader.metadata();
    }

    /** Reads what was appended since the last call. */
    synchronized void refresh() {
        next = reader.scan(next, new SessionReader.ScanVisitor() {
            @Override
            public void batch(long position, BatchCodec.Header h) {
                if (batches == queueIndex.length) {
                    int n = batches * 2;
                    queueIndex = Arrays.copyOf(queueIndex, n);
                    first = Arrays.copyOf(first, n);
                    last = Arrays.copyOf(last, n);
                    prefixMaxLast = Arrays.copyOf(prefixMaxLast, n);
                }
                if (batches > 0) {
                    lateness = Math.max(lateness, maxFirst - h.firstTimeNs());
                }
                maxFirst = Math.max(maxFirst, h.firstTimeNs());
                queueIndex[batches] = position;
                first[batches] = h.firstTimeNs();
                last[batches] = h.lastTimeNs();
                prefixMaxLast[batches] = batches == 0 ? h.lastTimeNs() : Math.max(prefixMaxLast[batches - 1],
                        h.lastTimeNs());
                batches++;
                events += h.eventCount();
            }

            @Override
            public void relation(Relation r) {
                catalog.add(r);
                Entry e = entry(Catalog.RelationId.of(r));
                if (e.relation == null || r.seenAtNs() >= e.relation.seenAtNs()) {
                    e.relation = r;
                }
                long appears = r.source().equals("start") || r.source().equals("import") ? Long.MIN_VALUE
                        : r.seenAtNs();
                e.appearsAtNs = Math.min(e.appearsAtNs, appears);
            }
        });
        lost = reader.lostCounted();
        ended = reader.ended();
    }

    synchronized long lostEvents() {
        return lost;
    }

    /** What the reader found damaged, if anything (reading stopped there). */
    synchronized java.util.Optional<String> damage() {
        return reader.damage();
    }

    boolean recorderAlive() {
        return reader.recorderAlive();
    }

    /** Ends the marker pass (after a failure) so that the page stops waiting for it. */
    void markScanDone() {
        markerScanDone = true;
    }

    private Entry entry(Object identity) {
        return byIdentity.computeIfAbsent(identity, k -> {
            Entry e = new Entry(entries.size(), k);
            e.appearsAtNs = Long.MAX_VALUE;
            entries.add(e);
            return e;
        });
    }

    /**
     * The entry a file belongs to at a time, registering files no catalog record names (yet); notes that events
     * named it, from {@code timeNs} on, up to block {@code maxBlock}.
     */
    synchronized Entry resolve(FileKey key, long timeNs, long maxBlock) {
        Relation r = catalog.resolve(key, timeNs);
        Entry entry;
        if (r != null) {
            entry = entry(Catalog.RelationId.of(r));
        } else {
            entry = fileEntries.computeIfAbsent(key, k -> {
                Entry f = entry(k);
                f.file = k;
                return f;
            });
        }
        entry.appearsAtNs = Math.min(entry.appearsAtNs, timeNs);
        entry.touched = true;
        entry.maxBlock = Math.max(entry.maxBlock, maxBlock);
        return entry;
    }

    synchronized List<Entry> entries() {
        return new ArrayList<>(entries);
    }

    boolean hidden(int pid) {
        return filter.hides(pid);
    }

    /** Start of the session (its wall-clock anchor), in monotonic ns. */
    long startNs() {
        SessionMetadata m = reader.metadata();
        if (m.startMonotonicNs != null) {
            return m.startMonotonicNs;
        }
        synchronized (this) {
            return batches == 0 ? 0 : first[0];
        }
    }

    /** End as far as known: the recorder's end, or the last event so far. */
    synchronized long endNs() {
        SessionMetadata m = reader.metadata();
        long end = batches == 0 ? startNs() : prefixMaxLast[batches - 1];
        return m.endMonotonicNs != null && ended ? Math.max(end, m.endMonotonicNs) : end;
    }

    synchronized boolean ended() {
        return ended;
    }

    synchronized long events() {
        return events;
    }

    /** Queue indexes of the batches that may hold events in [fromNs, toNs), in order. */
    synchronized long[] batchesIn(long fromNs, long toNs) {
        // prefixMaxLast is non-decreasing: the first batch that can reach fromNs
        int lo = 0;
        int hi = batches;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (prefixMaxLast[mid] < fromNs) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        long[] picked = new long[16];
        int n = 0;
        for (int i = lo; i < batches; i++) {
            if (first[i] < toNs && last[i] >= fromNs) {
                if (n == picked.length) {
                    picked = Arrays.copyOf(picked, n * 2);
                }
                picked[n++] = queueIndex[i];
            }
            // batches are almost in time order (per-CPU buffers reorder a little): no later batch starts more
            // than `lateness` before this one, so once this one starts that far past the window, none is in it
            if (first[i] - lateness >= toNs) {
                break;
            }
        }
        return Arrays.copyOf(picked, n);
    }

    /**
     * Time of the first shown event after {@code afterNs}, if any: what "step" jumps to across idle time. Reads
     * batches from the first that can hold one, in order, until no later batch can start before the best found.
     */
    java.util.OptionalLong nextEventAfter(long afterNs) {
        int lo;
        int n;
        long late;
        synchronized (this) {
            n = batches;
            late = lateness;
            int a = 0;
            int b = batches;
            while (a < b) {
                int mid = (a + b) >>> 1;
                if (prefixMaxLast[mid] <= afterNs) {
                    a = mid + 1;
                } else {
                    b = mid;
                }
            }
            lo = a;
        }
        long[] best = {Long.MAX_VALUE};
        for (int i = lo; i < n; i++) {
            long position;
            synchronized (this) {
                if (first[i] - late >= best[0]) {
                    break;
                }
                if (last[i] <= afterNs) {
                    continue;
                }
                position = queueIndex[i];
            }
            readBatches(new long[]{position}, new BatchCodec.RawSink() {
                @Override
                public void key(int index, int db, int spc, int relfilenode, int fork, boolean local) {
                }

                @Override
                public void event(EventKind kind, long timeNs, int pid, int key, long block, long value, String text) {
                    if (timeNs > afterNs && timeNs < best[0] && !hidden(pid)) {
                        best[0] = timeNs;
                    }
                }
            });
        }
        return best[0] == Long.MAX_VALUE ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(best[0]);
    }

    /** Decodes batches with one tailer. */
    void readBatches(long[] queueIndexes, BatchCodec.RawSink sink) {
        reader.readBatches(queueIndexes, sink);
    }

    /**
     * The background pass: markers of the whole session, and when each relation first appears. Reads the batches
     * not read yet; call it again after {@link #refresh()} to follow a live session.
     */
    void scanMarkers() {
        while (true) {
            long[] chunk;
            synchronized (this) {
                int from = (int) markerScanBatches;
                if (from >= batches) {
                    break;
                }
                chunk = Arrays.copyOfRange(queueIndex, from, Math.min(batches, from + 64));
            }
            for (long q : chunk) {
                scanBatch(q);
                markerScanBatches++;
            }
        }
        markerScanDone = true;
    }

    /** One batch of the background pass: its files (once each) and its markers. */
    private void scanBatch(long q) {
        List<FileKey> keys = new ArrayList<>();
        List<long[]> seen = new ArrayList<>(); // per key: first time, max block
        readBatches(new long[]{q}, new BatchCodec.RawSink() {
            @Override
            public void key(int index, int db, int spc, int relfilenode, int fork, boolean local) {
                keys.add(new FileKey(db, spc, relfilenode));
                seen.add(new long[]{Long.MAX_VALUE, -1});
            }

            @Override
            public void event(EventKind kind, long timeNs, int pid, int key, long block, long value, String text) {
                if (hidden(pid)) {
                    return;
                }
                switch (kind) {
                    case WRITE -> checkpoints.write(pid);
                    case CHECKPOINT_START -> checkpoints.start(pid, timeNs, value);
                    case CHECKPOINT_DONE -> value = checkpoints.done(pid, timeNs);
                    default -> {
                    }
                }
                if (key >= 0) {
                    long[] k = seen.get(key);
                    k[0] = Math.min(k[0], timeNs);
                    if (kind != EventKind.READ) {
                        k[1] = Math.max(k[1], block);
                    }
                    return;
                }
                if (!kind.isMarker()) {
                    return; // statement ends, rewrites and workers' shares: not drawn on the timeline
                }
                synchronized (ReplayIndex.this) {
                    if (markers.size() < MAX_MARKERS) {
                        markers.add(new Marker(timeNs, kind, pid, text, value));
                    } else {
                        markersDropped++;
                    }
                }
            }
        });
        for (int i = 0; i < keys.size(); i++) {
            if (seen.get(i)[0] != Long.MAX_VALUE) {
                resolve(keys.get(i), seen.get(i)[0], seen.get(i)[1]);
            }
        }
    }

    /** Markers found so far (sorted by time), and whether the pass is done. */
    synchronized List<Marker> markers() {
        List<Marker> copy = new ArrayList<>(markers);
        copy.sort((a, b) -> Long.compare(a.timeNs(), b.timeNs()));
        return copy;
    }

    synchronized long markersDropped() {
        return markersDropped;
    }

    boolean markerScanDone() {
        return markerScanDone;
    }

    /** Share of batches the marker pass has read, 0..1. */
    synchronized double markerScanProgress() {
        return batches == 0 ? 1 : Math.min(1, (double) markerScanBatches / batches);
    }

    synchronized int batchCount() {
        return batches;
    }

    @Override
    public void close() {
        reader.close();
    }
}
