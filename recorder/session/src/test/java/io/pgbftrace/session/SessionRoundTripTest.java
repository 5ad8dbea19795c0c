package io.pgbftrace.session;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SessionRoundTripTest {
    @TempDir
    Path tmp;

    static List<Event> randomEvents(int n, long seed) {
        Random rnd = new Random(seed);
        List<Event> out = new ArrayList<>();
        long t = 1_000_000_000L;
        for (int i = 0; i < n; i++) {
            t += rnd.nextInt(5000);
            int pid = 100 + rnd.nextInt(3);
            int rel = 16384 + rnd.nextInt(4);
            long block = rnd.nextInt(10) < 7 ? i % 1000 : Integer.toUnsignedLong(rnd.nextInt()) ;
            EventKind kind = EventKind.values()[rnd.nextInt(EventKind.values().length)];
            out.add(switch (kind) {
                case HIT, MISS, EXTEND -> Event.access(kind, t, pid, 5, 1663, rel, rnd.nextInt(3), block,
                        rnd.nextBoolean());
                case READ -> Event.read(t, pid, 5, 1663, rel, 0, block, false, rnd.nextInt(1_000_000));
                case WRITE -> Event.write(t, pid, 0, 1664, 1262, 0, block);
                case QUERY -> Event.query(t, pid, "select 'é\n' || " + i);
                case CHECKPOINT_START, CHECKPOINT_DONE, REWRITE_START, REWRITE_SWAP, WORKER_START ->
                        Event.marker(kind, t, pid, rnd.nextInt(100_000));
                case QUERY_DONE, WORKER_DONE -> Event.marker(kind, t, pid, 0);
            });
        }
        return out;
    }

    @Test
    void everyEventComesBackAsWritten() {
        Path dir = tmp.resolve("s");
        List<Event> written = randomEvents(20_000, 1);
        try (SessionWriter w = SessionWriter.create(dir, new SessionMetadata())) {
            written.forEach(w::append);
            w.finish("complete", "test", true);
        }
        List<Event> read = new ArrayList<>();
        try (SessionReader r = SessionReader.open(dir)) {
            r.read(read::add);
            assertEquals("complete", r.metadata().state);
            assertEquals(20_000L, r.metadata().eventCounts.get("total"));
        }
        assertEquals(written, read);
        try (SessionReader r = SessionReader.open(dir)) {
            assertEquals(written.stream().mapToLong(Event::timeNs).max().getAsLong(), r.lastEventTimeNs().getAsLong());
        }
    }

    @Test
    void aVisitorThatFailsStopsTheReadingAndLeavesTheReaderUsable() {
        Path dir = tmp.resolve("f");
        List<Event> written = randomEvents(200_000, 2); // many batches: the decoder is ahead, waiting to hand over
        try (SessionWriter w = SessionWriter.create(dir, new SessionMetadata())) {
            written.forEach(w::append);
            w.finish("complete", "test", true);
        }
        try (SessionReader r = SessionReader.open(dir)) {
            int[] seen = {0};
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> r.read(event -> {
                if (++seen[0] == 5000) {
                    throw new IllegalStateException("visitor gave up");
                }
            }));
            assertEquals("visitor gave up", e.getMessage());
            List<Event> read = new ArrayList<>();
            r.read(read::add); // the decoder of the first reading has stopped: the log is this reading's alone
            assertEquals(written, read);
        }
    }

    @Test
    void thousandEventsStayWellUnderOneMebibyte() throws IOException {
        Path dir = tmp.resolve("small");
        try (SessionWriter w = SessionWriter.create(dir, new SessionMetadata())) {
            for (int i = 0; i < 1000; i++) {
                w.append(Event.access(EventKind.HIT, 1000L * i, 42, 5, 1663, 16384, 0, i, false));
            }
            w.finish("complete", "test", true);
        }
        long apparent;
        try (Stream<Path> s = Files.walk(dir)) {
            apparent = s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
        assertTrue(apparent < 1 << 20, "session of 1000 events takes " + apparent + " bytes");
    }

    @Test
    void relationsProcessesAndLostEventsAreReadInOrder() {
        Path dir = tmp.resolve("r");
        Relation rel = new Relation(5, "shop", 1663, 16384, 16384, "public", "orders", "table", "permanent", null,
                null, 10L, false, false, 5, "start");
        List<String> seen = new ArrayList<>();
        try (SessionWriter w = SessionWriter.create(dir, new SessionMetadata())) {
            w.appendRelation(rel);
            w.append(Event.access(EventKind.MISS, 10, 1, 5, 1663, 16384, 0, 0, false));
            w.appendLost(11, 7);
            w.appendProcess(new ServerProcess(42, ServerProcess.CHECKPOINTER, "postgres: checkpointer", 12));
            w.finish("complete", "test", true);
        }
        try (SessionReader r = SessionReader.open(dir)) {
            r.read(new SessionVisitor() {
                @Override
                public void relation(Relation relation) {
                    seen.add("relation " + relation.name() + " " + relation.equals(rel));
                }

                @Override
                public void event(Event event) {
                    seen.add("event " + event.kind());
                }

                @Override
                public void lost(long timeNs, long count) {
                    seen.add("lost " + count + " at " + timeNs);
                }

                @Override
                public void process(ServerProcess p) {
                    seen.add("process " + p.pid() + " " + p.kind() + " " + p.title());
                }

                @Override
                public void end(String reason) {
                    seen.add("end " + reason);
                }
            });
            assertEquals(7, r.metadata().lostEvents);
        }
        assertEquals(List.of("relation orders true", "event MISS", "lost 7 at 11",
                "process 42 checkpointer postgres: checkpointer", "end test"), seen);
    }
}
