package io.pgbftrace.bench;

import io.pgbftrace.session.Event;
import io.pgbftrace.session.EventKind;
import io.pgbftrace.session.Relation;
import io.pgbftrace.session.SessionMetadata;
import io.pgbftrace.session.SessionWriter;

import java.nio.file.Path;
import java.util.Random;

/**
 * A busy session with the shape of a real workload: 8 backends, each running sequential scans (runs of
 * consecutive blocks) and index look-ups (a root, inner pages, random leaves and heap pages) over 100 relations,
 * some misses with their kernel reads, writes, a query every 1,000 events.
 */
final class SyntheticSession {
    private SyntheticSession() {
    }

    static Path write(Path dir, long events, long eventsPerSecond) {
        SessionMetadata m = new SessionMetadata();
        m.title = "synthetic busy session";
        m.source = "record";
        m.startMonotonicNs = 1_000_000_000L;
        Random rnd = new Random(42);
        long t = m.startMonotonicNs;
        long gap = 1_000_000_000L / eventsPerSecond;
        try (SessionWriter w = SessionWriter.create(dir, m)) {
            for (int r = 0; r < 100; r++) {
                w.appendRelation(new Relation(5, "bench", 1663, 20000 + r, 20000 + r, "public",
                        (r % 2 == 0 ? "t" : "i") + r, r % 2 == 0 ? "table" : "index", "permanent", null, null,
                        r % 2 == 0 ? 120_000L : 20_000L, false, false, 0, "start"));
            }
            int[] rel = new int[8];
            long[] block = new long[8];
            int[] run = new int[8];
            for (long i = 0; i < events; i++) {
                int b = rnd.nextInt(8);
                if (run[b] == 0) {
                    rel[b] = rnd.nextInt(100);
                    block[b] = rnd.nextInt(rel[b] % 2 == 0 ? 100_000 : 20_000);
                    run[b] = rel[b] % 2 == 0 ? 1 + rnd.nextInt(2000) : 1 + rnd.nextInt(4);
                }
                run[b]--;
                long blk = rel[b] % 2 == 0 ? block[b]++ : (run[b] == 0 ? rnd.nextInt(20_000) : run[b]);
                t += gap;
                int pid = 1000 + b;
                int file = 20000 + rel[b];
                int dice = rnd.nextInt(100);
                if (dice < 3) {
                    w.append(Event.read(t, pid, 5, 1663, file, 0, blk, false, 4_000 + rnd.nextInt(4_000_000)));
                    w.append(Event.access(EventKind.MISS, t, pid, 5, 1663, file, 0, blk, false));
                    i++;
                } else if (dice < 4) {
                    w.append(Event.write(t, 77, 5, 1663, file, 0, blk));
                } else {
                    w.append(Event.access(EventKind.HIT, t, pid, 5, 1663, file, 0, blk, false));
                }
                if (i % 1000 == 0) {
                    w.append(Event.query(t, pid, "SELECT * FROM t" + rel[b] + " WHERE id = " + i));
                }
            }
            w.metadata().endMonotonicNs = t;
            w.finish("complete", "benchmark", true);
        }
        return dir;
    }
}
