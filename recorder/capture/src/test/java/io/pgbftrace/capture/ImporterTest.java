package io.pgbftrace.capture;

import io.pgbftrace.session.EventKind;
import io.pgbftrace.session.Relation;
import io.pgbftrace.session.RelationStats;
import io.pgbftrace.session.SessionReader;
import io.pgbftrace.session.SessionSummary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImporterTest {
    @TempDir
    Path tmp;

    static Path resource(String name) throws URISyntaxException {
        return Path.of(ImporterTest.class.getResource("/" + name).toURI());
    }

    static final Relation ORDERS = new Relation(16384, "shop", 1663, 16390, 16390, "public", "orders", "table",
            "permanent", null, null, 3L, false, false, 0, "import");

    @Test
    void rawCaptureOutputBecomesASessionAndBadLinesAreCounted() throws Exception {
        Path out = tmp.resolve("raw");
        Importer.Result r = Importer.run(resource("raw-capture.txt"), out, false, Importer.FORMAT_RAW,
                List.of(ORDERS), "t", null, Duration.ofMillis(1), "test");
        assertEquals(9, r.events());
        assertEquals(2, r.badLines());
        assertEquals(List.of("line 10: not a pgbftrace capture line: this line is garbage",
                "line 17: malformed A line: A 1001000400 4242 16384"), r.firstBad());
        try (SessionReader reader = SessionReader.open(out)) {
            assertEquals("import-raw", reader.metadata().source);
            assertEquals(3, reader.metadata().lostEvents);
            List<String> queries = new ArrayList<>();
            reader.read(e -> {
                if (e.kind() == EventKind.QUERY) {
                    queries.add(e.text());
                }
            });
            assertEquals(List.of("SELECT count(*)\nFROM orders\nWHERE id < 10"), queries);
            SessionSummary s = SessionSummary.of(reader, false);
            RelationStats orders = s.relations().stream().filter(x -> x.relation() != null).findFirst().orElseThrow();
            assertEquals("public.orders", orders.displayName());
            assertEquals(List.of(3L, 2L, 1L, 0L, 1L, 1L, 3L), List.of(orders.accesses(), orders.hits(),
                    orders.misses(), orders.extendsCount(), orders.kernelReads(), orders.writes(),
                    orders.distinctBlocks()));
            RelationStats unknown = s.relations().stream().filter(x -> x.relation() == null).findFirst().orElseThrow();
            assertEquals(1, unknown.extendsCount());
            assertEquals("relfilenode 16384/1663/16391", unknown.displayName());
        }
    }

    @Test
    void theOriginalFormatGetsEvenlySpacedTimesAndSaysSo() throws Exception {
        Path out = tmp.resolve("orig");
        Importer.Result r = Importer.run(resource("original-pgbftrace.txt"), out, false, Importer.FORMAT_PGBFTRACE,
                List.of(ORDERS), null, null, Duration.ofMillis(10), "test");
        assertEquals(4, r.events());
        assertEquals(3, r.badLines());
        try (SessionReader reader = SessionReader.open(out)) {
            List<Long> times = new ArrayList<>();
            reader.read(e -> times.add(e.timeNs()));
            assertEquals(List.of(0L, 10_000_000L, 20_000_000L, 30_000_000L), times);
            assertTrue(reader.metadata().notes.stream().anyMatch(n -> n.contains("spaced 10 ms apart")));
            SessionSummary s = SessionSummary.of(reader, false);
            RelationStats orders = s.relations().stream().filter(x -> x.relation() != null).findFirst().orElseThrow();
            assertEquals(List.of(2L, 1L), List.of(orders.hits(), orders.misses()));
        }
    }
}
