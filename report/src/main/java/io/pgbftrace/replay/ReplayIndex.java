package io.pgbftrace.replay;

import io.pgbftrace.session.BatchCodec;
import io.pgbftrace.session.Catalog;
import io.pgbftrace.session.Event;
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
import java.util.Set;
import java.util.function.Consumer;

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

    /** A QUERY or CHECKPOINT marker. */
    record Marker(long timeNs, EventKind kind, int pid, String text, long value) {
    }

    private final SessionReader reader;
    private final Set<Integer> hidden;
    private final Catalog catalog = new Catalog();
    private final List<Entry> entries = new ArrayList<>();
    private final Map<Object, Entry> byIdentity = new HashMap<>();
    private final Map<FileKey, Entry> fileEntries = new HashMap<>();
    private final List<Marker> markers = new ArrayList<>();
    private long[] queueIndex = new long[256];
    private long[] first = new long[256];
    private long[] last = new long[256];
    private long[] prefixMaxLast = new long[256];
    private int batches;
    private long lastRecord = -1;
    private long events;
    private boolean ended;
    private long markersDropped;
    private volatile long markerScanBatches;
    private volatile boolean markerScanDone;

    ReplayIndex(SessionReader reader, boolean includeRecorder) {
        this.reader = reader;
        this.hidden = includeRecorder ? Set.of() : Set.copyOf(reader.metadata().recorder.backendPids);
        refresh();
    }

    SessionMetadata metadata() {
        return reader.metadata();
    }

    /** Reads what was appended since the last call. */
    synchronized void refresh() {
        lastRecord = reader.scan(lastRecord, new SessionReader.ScanVisitor() {
            @Override
            public void batch(long index, BatchCodec.Header h) {
                if (batches == queueIndex.length) {
                    int n = batches * 2;
                    queueIndex = Arrays.copyOf(queueIndex, n);
                    first = Arrays.copyOf(first, n);
                    last = Arrays.copyOf(last, n);
                    prefixMaxLast = Arrays.copyOf(prefixMaxLast, n);
                }
                queueIndex[batches] = index;
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
                Entry e = entry(List.of(r.db(), r.oid()));
                if (e.relation == null || r.seenAtNs() >= e.relation.seenAtNs()) {
                    e.relation = r;
                }
                long appears = r.source().equals("start") || r.source().equals("import") ? Long.MIN_VALUE
                        : r.seenAtNs();
                e.appearsAtNs = Math.min(e.appearsAtNs, appears);
            }

            @Override
            public void end(String reason) {
                ended = true;
            }
        });
    }

    private Entry entry(Object identity) {
        return byIdentity.computeIfAbsent(identity, k -> {
            Entry e = new Entry(entries.size(), k);
            e.appearsAtNs = Long.MAX_VALUE;
            entries.add(e);
            return e;
        });
    }

    /** The entry an event belongs to, registering files no catalog record names (yet). */
    synchronized Entry resolve(Event e) {
        FileKey key = e.fileKey();
        Relation r = catalog.resolve(key, e.timeNs());
        Entry entry;
        if (r != null) {
            entry = entry(List.of(r.db(), r.oid()));
        } else {
            entry = fileEntries.computeIfAbsent(key, k -> {
                Entry f = entry(k);
                f.file = k;
                return f;
            });
        }
        entry.appearsAtNs = Math.min(entry.appearsAtNs, e.timeNs());
        entry.touched = true;
        if (e.kind().isAccess() || e.kind() == EventKind.WRITE) {
            entry.maxBlock = Math.max(entry.maxBlock, e.block());
        }
        return entry;
    }

    synchronized List<Entry> entries() {
        return new ArrayList<>(entries);
    }

    boolean hidden(Event e) {
        return hidden.contains(e.pid());
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

    /** Decodes every batch that may hold events in [fromNs, toNs), in order, handing over those in the window. */
    void eventsIn(long fromNs, long toNs, Consumer<Event> sink) {
        long[] indexes;
        synchronized (this) {
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
            List<Long> picked = new ArrayList<>();
            for (int i = lo; i < batches; i++) {
                if (first[i] < toNs && last[i] >= fromNs) {
                    picked.add(queueIndex[i]);
                }
                // batches are almost in time order (per-CPU buffers reorder a little): stop well past the window
                if (first[i] >= toNs && i + 8 < batches && first[i + 8] >= toNs) {
                    break;
                }
            }
            indexes = picked.stream().mapToLong(Long::longValue).toArray();
        }
        for (long q : indexes) {
            reader.readBatch(q, e -> {
                if (e.timeNs() >= fromNs && e.timeNs() < toNs && !hidden(e)) {
                    sink.accept(e);
                }
            });
        }
    }

    /**
     * The background pass: markers of the whole session, and when each relation first appears. Reads the batches
     * not read yet; call it again after {@link #refresh()} to follow a live session.
     */
    void scanMarkers() {
        while (true) {
            long q;
            synchronized (this) {
                if (markerScanBatches >= batches) {
                    break;
                }
                q = queueIndex[(int) markerScanBatches];
            }
            reader.readBatch(q, e -> {
                if (hidden(e)) {
                    return;
                }
                if (e.kind().hasRelation()) {
                    resolve(e);
                } else {
                    synchronized (this) {
                        if (markers.size() < MAX_MARKERS) {
                            markers.add(new Marker(e.timeNs(), e.kind(), e.pid(), e.text(), e.value()));
                        } else {
                            markersDropped++;
                        }
                    }
                }
            });
            markerScanBatches++;
        }
        markerScanDone = true;
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
