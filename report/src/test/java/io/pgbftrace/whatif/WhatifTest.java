package io.pgbftrace.whatif;

import io.pgbftrace.session.Event;
import io.pgbftrace.session.EventKind;
import io.pgbftrace.session.Relation;
import io.pgbftrace.session.SessionMetadata;
import io.pgbftrace.session.SessionWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Traces whose answer is known, replayed through the model. */
class WhatifTest {
    static final int DB = 16384;
    static final int INDEX = 500;
    static final int TABLE = 600;

    @TempDir
    Path tmp;

    private interface Body {
        void write(SessionWriter w, long[] t);
    }

    private Path session(String name, Body body) {
        SessionMetadata m = new SessionMetadata();
        m.source = "record";
        m.state = "recording";
        m.startMonotonicNs = 1L;
        m.postgres.version = "15.20";
        m.postgres.versionNum = 150020;
        m.postgres.blockSize = 8192;
        m.postgres.sharedBuffers = "16MB";
        m.postgres.sharedBuffersBlocks = 2048L;
        Path dir = tmp.resolve(name);
        try (SessionWriter w = SessionWriter.create(dir, m)) {
            w.appendRelation(new Relation(DB, "shop", 1663, INDEX, INDEX, "public", "loop_idx", "index", "permanent",
                    TABLE, "public.loop", 1000L, false, false, 0, "start"));
            w.appendRelation(new Relation(DB, "shop", 1663, TABLE, TABLE, "public", "loop", "table", "permanent",
                    null, null, 1000L, false, false, 0, "start"));
            long[] t = {10};
            body.write(w, t);
            w.metadata().endMonotonicNs = t[0] + 10;
            w.finish("complete", "signal SIGTERM", true);
        }
        return dir;
    }

    private static void access(SessionWriter w, long[] t, EventKind kind, int relfilenode, long block) {
        w.append(Event.access(kind, t[0]++, 42, DB, 1663, relfilenode, 0, block, false));
    }

    private static long misses(Whatif w, long bytes) {
        for (Whatif.Prediction p : w.predictions()) {
            if (p.bytes() == bytes) {
                return p.totalMisses();
            }
        }
        throw new AssertionError(bytes + " not predicted");
    }

    /**
     * A loop over N = 1,000 index blocks, ten times over: with fewer than N buffers every access misses (each
     * block is evicted before its turn comes again); with more, only the first pass misses.
     */
    @Test
    void aLoopOverNBlocksMissesEveryTimeBelowNAndOnlyOnceAbove() {
        Path s = session("loop", (w, t) -> {
            for (int pass = 0; pass < 10; pass++) {
                for (int b = 0; b < 1000; b++) {
                    access(w, t, pass == 0 ? EventKind.MISS : EventKind.HIT, INDEX, b);
                }
            }
        });
        Whatif w = Whatif.run(s, List.of(4L << 20, 7L << 20, 9L << 20, 64L << 20)); // 512, 896, 1,152, 8,192
        assertEquals(10_000, misses(w, 4L << 20));
        assertEquals(10_000, misses(w, 7L << 20), "896 buffers: still fewer than the loop");
        assertEquals(1_000, misses(w, 9L << 20), "1,152 buffers: the loop fits");
        assertEquals(1_000, misses(w, 64L << 20));
        assertEquals(1_000, w.atRecorded().totalMisses(), "2,048 buffers, as recorded");
        assertEquals(0.0, Whatif.error(w.atRecorded().totalMisses(), w.recordedMisses()));
    }

    /**
     * A table of 1,000 blocks scanned three times: with 2,048 buffers it is larger than a quarter of them, so each
     * scan reads through a ring of 32 of its own and misses again, except for the blocks earlier scans' rings still
     * hold (the last 32 of each, found at the end of the next scans: 32 + 64, as the seqscan-ring sample shows for
     * two scans); with 8,192 it is not, and the second and third scans hit.
     */
    @Test
    void aLargeScanGoesThroughTheRingAndASmallOneStays() {
        Path s = session("scans", (w, t) -> {
            for (int pass = 0; pass < 3; pass++) {
                for (int b = 0; b < 1000; b++) {
                    access(w, t, EventKind.MISS, TABLE, b);
                }
            }
        });
        Whatif w = Whatif.run(s, List.of(64L << 20, 32L << 20));
        assertEquals(3_000 - 32 - 64, w.atRecorded().totalMisses(), "16MB: 1,000 > 2,048 / 4, through the rings");
        assertEquals(1_000, misses(w, 64L << 20), "64MB: 1,000 <= 8,192 / 4, kept");
        assertEquals(1_000, misses(w, 32L << 20), "32MB: 1,000 <= 4,096 / 4, kept");
    }

    /** Hot blocks survive a scan that goes through its ring, and are found again after it. */
    @Test
    void aRingProtectsTheRestOfThePool() {
        Path s = session("protect", (w, t) -> {
            for (int b = 0; b < 100; b++) {
                access(w, t, EventKind.MISS, INDEX, b);
            }
            for (int b = 0; b < 1000; b++) {
                access(w, t, EventKind.MISS, TABLE, b);
            }
            for (int b = 0; b < 100; b++) {
                access(w, t, EventKind.HIT, INDEX, b);
            }
        });
        Whatif w = Whatif.run(s, List.of(3L << 20)); // 384 buffers: the scan would flush them without its ring
        assertEquals(1_100, w.atRecorded().totalMisses());
        assertEquals(1_100, misses(w, 3L << 20), "the 100 index blocks are still there after the scan");
    }

    @Test
    void sizesParseInPostgresUnits() {
        assertEquals(8L << 20, Whatif.parseSize("8MB"));
        assertEquals(512L << 10, Whatif.parseSize("512kB"));
        assertEquals(1L << 30, Whatif.parseSize("1GB"));
        assertEquals("16MB", Whatif.formatSize(16L << 20));
        assertEquals("1536MB", Whatif.formatSize(1536L << 20), "as SHOW shared_buffers prints it");
        assertNull(Whatif.error(5, 0));
    }

    /** The block map against java.util.HashMap under random puts and removes (deletion shifts entries back). */
    @Test
    void theBlockMapAgreesWithAHashMap() {
        io.pgbftrace.session.LongIntMap map = new io.pgbftrace.session.LongIntMap(16);
        Map<Long, Integer> ref = new HashMap<>();
        Random rnd = new Random(3);
        for (int i = 0; i < 200_000; i++) {
            long k = rnd.nextInt(5_000);
            if (rnd.nextInt(3) == 0) {
                map.remove(k);
                ref.remove(k);
            } else {
                map.put(k, i);
                ref.put(k, i);
            }
            long q = rnd.nextInt(5_000);
            assertEquals(ref.getOrDefault(q, -1), map.get(q, -1), "key " + q + " after step " + i);
        }
    }
}
