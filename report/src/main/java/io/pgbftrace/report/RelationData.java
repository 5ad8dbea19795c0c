package io.pgbftrace.report;

import io.pgbftrace.session.Event;
import io.pgbftrace.session.EventKind;
import io.pgbftrace.session.FileKey;
import io.pgbftrace.session.Relation;
import io.pgbftrace.session.RelationStats;

/** Everything the report shows about one relation (or, during the pass, one file). */
final class RelationData {
    /** log2 buckets of read latency in ns: bucket i holds [2^i, 2^(i+1)). */
    static final int LATENCY_BUCKETS = 40;
    static final int STRIP_BUCKETS = 256;

    final RelationStats stats;
    final BlockTimeGrid grid;
    final BlockTimeGrid strip;
    final long[] latency = new long[LATENCY_BUCKETS];
    long transitions;
    long sequential;
    long firstTimeNs = Long.MAX_VALUE;
    /** The files merged into this relation (a relation gets a new file on TRUNCATE, VACUUM FULL, ...). */
    final java.util.Set<FileKey> files = new java.util.HashSet<>();

    RelationData(Relation relation, FileKey key, int timeBins, int rows) {
        this.stats = new RelationStats(relation, key);
        this.grid = new BlockTimeGrid(timeBins, rows);
        this.strip = new BlockTimeGrid(1, STRIP_BUCKETS);
        files.add(key);
    }

    void add(Event e, int timeBin) {
        stats.add(e);
        firstTimeNs = Math.min(firstTimeNs, e.timeNs());
        int channel = switch (e.kind()) {
            case HIT -> BlockTimeGrid.HIT;
            case MISS -> BlockTimeGrid.MISS;
            case EXTEND -> BlockTimeGrid.EXTEND;
            case WRITE -> BlockTimeGrid.WRITE;
            default -> -1;
        };
        if (channel >= 0) {
            grid.add(timeBin, e.block(), channel);
        }
        if (e.kind().isAccess()) {
            strip.add(0, e.block(), channel);
        }
        if (e.kind() == EventKind.READ) {
            latency[Math.min(LATENCY_BUCKETS - 1, 63 - Long.numberOfLeadingZeros(Math.max(1, e.value())))]++;
        }
    }

    void merge(RelationData o) {
        stats.merge(o.stats);
        grid.merge(o.grid);
        strip.merge(o.strip);
        for (int i = 0; i < LATENCY_BUCKETS; i++) {
            latency[i] += o.latency[i];
        }
        transitions += o.transitions;
        sequential += o.sequential;
        firstTimeNs = Math.min(firstTimeNs, o.firstTimeNs);
        files.addAll(o.files);
    }

    Relation relation() {
        return stats.relation();
    }

    /** Share of a backend's next access in this relation (same fork) that is the block after its last one. */
    Double sequentialShare() {
        return transitions == 0 ? null : (double) sequential / transitions;
    }

    long reads() {
        long n = 0;
        for (long v : latency) {
            n += v;
        }
        return n;
    }
}
