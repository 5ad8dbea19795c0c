package io.pgbftrace.report;

import io.pgbftrace.session.Event;
import io.pgbftrace.session.EventKind;
import io.pgbftrace.session.Relation;
import io.pgbftrace.session.SessionMetadata;
import io.pgbftrace.session.SessionWriter;

import java.nio.file.Path;
import java.util.Random;

/**
 * A small session with known numbers: public.orders (1,000 sequential hits, 50 misses with 50 kernel reads, 10
 * extends, 20 writes), its index (200 random hits), a system catalog, a file no catalog names, queries and a
 * checkpoint; all within 10 s.
 */
public final class GoldenSession {
    static final int DB = 16384;
    static final long T0 = 5_000_000_000L;
    static final long SECOND = 1_000_000_000L;

    private GoldenSession() {
    }

    static Relation rel(int oid, String schema, String name, String kind, Integer parent, String parentName,
                        long size, boolean system) {
        return new Relation(DB, "shop", 1663, oid, oid, schema, name, kind, "permanent", parent, parentName, size,
                system, false, 0, "start");
    }

    public static Path write(Path dir, boolean finish) {
        SessionMetadata m = new SessionMetadata();
        m.title = "golden <session> & co";
        m.source = "record";
        m.state = "recording";
        m.startMonotonicNs = T0;
        m.startWall = "2026-11-21T09:00:00.000Z";
        m.postgres.version = "15.18";
        m.postgres.blockSize = 8192;
        m.postgres.sharedBuffers = "16MB";
        m.postgres.sharedBuffersBlocks = 2048L;
        m.recorder.backendPids.add(999);
        Random rnd = new Random(7);
        try (SessionWriter w = SessionWriter.create(dir, m)) {
            w.appendRelation(rel(100, "public", "orders", "table", null, null, 1000, false));
            w.appendRelation(rel(101, "public", "orders_pkey", "index", 100, "public.orders", 300, false));
            w.appendRelation(rel(1259, "pg_catalog", "pg_class", "table", null, null, 14, true));
            w.append(Event.query(T0 + 10, 42, "SELECT count(*) FROM orders WHERE note <> '<&>'"));
            for (int i = 0; i < 1000; i++) {
                w.append(access(EventKind.HIT, T0 + SECOND + i * 1_000_000L, 42, 100, i));
            }
            for (int i = 0; i < 50; i++) {
                long t = T0 + 3 * SECOND + i * 1_000_000L;
                w.append(Event.read(t, 43, DB, 1663, 100, 0, 2000 + i, false, i < 10 ? 5_000 : 5_000_000));
                w.append(access(EventKind.MISS, t + 1, 43, 100, 2000 + i));
            }
            for (int i = 0; i < 10; i++) {
                w.append(access(EventKind.EXTEND, T0 + 4 * SECOND + i, 44, 100, 3000 + i));
            }
            for (int i = 0; i < 200; i++) {
                w.append(access(EventKind.HIT, T0 + 5 * SECOND + i * 1000L, 42, 101, rnd.nextInt(300)));
            }
            w.append(Event.marker(EventKind.CHECKPOINT_START, T0 + 6 * SECOND, 7, 4));
            for (int i = 0; i < 20; i++) {
                w.append(Event.write(T0 + 6 * SECOND + i, 7, DB, 1663, 100, 0, i));
            }
            w.append(Event.marker(EventKind.CHECKPOINT_DONE, T0 + 7 * SECOND, 7, 20));
            w.append(access(EventKind.HIT, T0 + 8 * SECOND, 42, 1259, 3));
            w.append(access(EventKind.HIT, T0 + 8 * SECOND + 5, 42, 77777, 9));
            w.append(access(EventKind.HIT, T0 + 8 * SECOND + 9, 999, 100, 1)); // the recorder's own backend
            if (finish) {
                w.metadata().endMonotonicNs = T0 + 10 * SECOND;
                w.finish("complete", "signal SIGINT", true);
            } else {
                w.flush();
                w.writeMetadata();
            }
        }
        return dir;
    }

    static Event access(EventKind kind, long t, int pid, int relfilenode, long block) {
        return Event.access(kind, t, pid, DB, 1663, relfilenode, 0, block, false);
    }
}
