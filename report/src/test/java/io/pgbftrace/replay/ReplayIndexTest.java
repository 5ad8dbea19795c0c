package io.pgbftrace.replay;

import io.pgbftrace.session.Event;
import io.pgbftrace.session.EventKind;
import io.pgbftrace.session.SessionMetadata;
import io.pgbftrace.session.SessionReader;
import io.pgbftrace.session.SessionWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import io.pgbftrace.report.LeakCheck;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Batch look-up by time and the windows built from it, against a brute-force count of the events written. */
@ExtendWith(LeakCheck.class)
class ReplayIndexTest {
    static final long START = 1_000_000_000L;
    static final long MS = 1_000_000L;

    @TempDir
    Path tmp;

    /**
     * 200 batches of 10 ms each, in time order except that every seventh batch arrives late (its events are from
     * up to 30 ms earlier, as per-CPU buffers reorder them), and some 50 ms gaps with no batch at all.
     */
    @Test
    void everyWindowHoldsExactlyTheEventsWrittenInIt() {
        List<Long> times = new ArrayList<>();
        Random rnd = new Random(11);
        SessionMetadata m = new SessionMetadata();
        m.source = "record";
        m.startMonotonicNs = START;
        Path dir = tmp.resolve("s");
        try (SessionWriter w = SessionWriter.create(dir, m)) {
            long t = START;
            for (int batch = 0; batch < 200; batch++) {
                t += batch % 23 == 0 ? 50 * MS : 10 * MS;
                long base = batch % 7 == 0 ? t - rnd.nextInt(30) * MS : t;
                int n = 1 + rnd.nextInt(40);
                for (int i = 0; i < n; i++) {
                    long at = Math.max(START, base + rnd.nextInt(10) * MS + rnd.nextInt(1000));
                    times.add(at);
                    w.append(Event.access(EventKind.HIT, at, 100, 5, 1663, 16384, 0, rnd.nextInt(50), false));
                }
                w.flush();
            }
            w.metadata().endMonotonicNs = t + 10 * MS;
            w.finish("complete", "test", true);
        }
        try (ReplayIndex index = new ReplayIndex(SessionReader.open(dir), false)) {
            assertEquals(times.size(), index.events());
            double end = (index.endNs() - START) / 1e9;
            for (int i = 0; i < 300; i++) {
                double from = rnd.nextDouble() * end;
                double to = from + (i % 3 == 0 ? rnd.nextDouble() * 0.005 : rnd.nextDouble() * 0.5);
                long fromNs = START + (long) (from * 1e9);
                long toNs = START + (long) (to * 1e9);
                long expected = times.stream().filter(x -> x >= fromNs && x < toNs).count();
                byte[] window = EventWindow.encode(index, from, to, 60, null);
                assertEquals(expected, EventWindow.events(window), String.format("window %.4f-%.4f s", from, to));
                long drawn = EventWindow.decode(window).stream().mapToLong(EventWindow.Record::count).sum();
                assertEquals(expected, drawn, "every hit is in a record");
            }
        }
    }

    @Test
    void aCellHitMoreThan65535TimesInOneSliceIsSplitOverRecords() {
        SessionMetadata m = new SessionMetadata();
        m.source = "record";
        m.startMonotonicNs = START;
        Path dir = tmp.resolve("busy");
        int hits = 70_000;
        try (SessionWriter w = SessionWriter.create(dir, m)) {
            for (int i = 0; i < hits; i++) {
                w.append(Event.access(EventKind.HIT, START + i, 100, 5, 1663, 16384, 0, 0, false));
            }
            w.append(Event.access(EventKind.MISS, START + hits, 100, 5, 1663, 16384, 0, 9, false));
            w.metadata().endMonotonicNs = START + MS;
            w.finish("complete", "test", true);
        }
        try (ReplayIndex index = new ReplayIndex(SessionReader.open(dir), false)) {
            List<EventWindow.Record> records = EventWindow.decode(EventWindow.encode(index, 0, 0.001, 1, null));
            assertEquals(List.of(new EventWindow.Record(0, records.get(0).relation(), 0, 65_535, 0),
                    new EventWindow.Record(0, records.get(0).relation(), 0, hits - 65_535, 0),
                    new EventWindow.Record(0, records.get(0).relation(), 1, 1, 9)), records);
        }
    }
}
