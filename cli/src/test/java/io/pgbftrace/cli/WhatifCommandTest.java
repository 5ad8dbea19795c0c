package io.pgbftrace.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code pgbftrace whatif} on every sample: simulated at its recorded size, the model's misses land within 10% of
 * the recorded ones, in total and for each relation with 1,000+ accesses.
 */
class WhatifCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static List<Path> samples() throws IOException {
        try (var s = Files.list(SamplesTest.SAMPLES)) {
            return s.map(d -> d.resolve("session")).filter(Files::isDirectory).sorted().toList();
        }
    }

    /** Checks a whatif document's recorded-size figures; returns a line for the log. */
    static String within10Percent(JsonNode doc, String what) {
        JsonNode rec = doc.get("recorded");
        long recorded = rec.get("misses").asLong();
        long model = rec.get("modelMisses").asLong();
        assertTrue(Math.abs(model - recorded) <= 0.10 * recorded, what + ": model " + model + " vs " + recorded);
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%s: %,d misses recorded, %,d modelled"
                + " (%+.1f%%)", what, recorded, model, 100.0 * (model - recorded) / Math.max(1, recorded)));
        for (JsonNode r : rec.get("relations")) {
            long rm = r.get("misses").asLong();
            long mm = r.get("modelMisses").asLong();
            assertTrue(Math.abs(mm - rm) <= 0.10 * rm, what + " " + r.get("relation").asText() + ": model " + mm
                    + " vs " + rm);
            line.append(String.format(Locale.ROOT, "; %s %,d/%,d", r.get("relation").asText(), mm, rm));
        }
        return line.toString();
    }

    @Test
    void everySampleAtItsRecordedSizeIsWithinTenPercent() throws Exception {
        List<Path> samples = samples();
        assertTrue(samples.size() >= 10, samples.toString());
        for (Path s : samples) {
            Cli r = Cli.run("whatif", s.toString(), "--shared-buffers", "8MB,64MB", "--json");
            assertEquals(ExitCodes.OK, r.code(), r.err());
            JsonNode doc = JSON.readTree(r.out());
            System.out.println(within10Percent(doc, s.getParent().getFileName().toString()));
            assertEquals(2, doc.get("sizes").size());
        }
    }

    /** The ring sample: at 16MB the scans go through the ring; at 64MB the table fits and the second scan hits. */
    @Test
    void theRingSampleMissesTwiceAt16MBAndOnceAt64MB() throws Exception {
        Path ring = SamplesTest.SAMPLES.resolve("seqscan-ring").resolve("session");
        Cli r = Cli.run("whatif", ring.toString(), "--shared-buffers", "8MB,64MB");
        assertEquals(ExitCodes.OK, r.code(), r.err());
        assertTrue(r.out().contains("At the recorded size the model predicts"), r.out());
        String big = r.out().lines().filter(l -> l.startsWith("public.big")).findFirst().orElseThrow();
        assertEquals(List.of("public.big", "4,000", "3,968", "3,968", "3,968", "2,000"),
                List.of(big.trim().split("\\s+")), "relation, accesses, recorded, 8MB, 16MB (model), 64MB");
    }

    /**
     * The recorder's own backends (its catalog look-ups) are hidden as in info: the recorded misses whatif models are
     * info's, and --include-recorder adds theirs back.
     */
    @Test
    void theRecordersOwnBackendsAreHiddenAsInInfo() throws Exception {
        Path s = SamplesTest.SAMPLES.resolve("create-index").resolve("session");
        for (boolean include : new boolean[]{false, true}) {
            List<String> flag = include ? List.of("--include-recorder") : List.of();
            List<String> args = new java.util.ArrayList<>(List.of("info", s.toString(), "--json"));
            args.addAll(flag);
            JsonNode info = JSON.readTree(Cli.run(args.toArray(String[]::new)).out());
            long misses = 0;
            for (JsonNode r : info.get("relations")) {
                misses += r.get("misses").asLong();
            }
            args = new java.util.ArrayList<>(List.of("whatif", s.toString(), "--shared-buffers", "32MB", "--json"));
            args.addAll(flag);
            Cli w = Cli.run(args.toArray(String[]::new));
            assertEquals(0, w.code(), w.err());
            assertEquals(misses, JSON.readTree(w.out()).get("recorded").get("misses").asLong(),
                    "recorded misses as info counts them" + (include ? " with --include-recorder" : ""));
            assertTrue(include || info.get("session").get("recorderEventsHidden").asLong() > 0,
                    "the sample has recorder events to hide");
        }
    }

    @Test
    void badSizesAreUsageErrors() {
        Path s = SamplesTest.SAMPLES.resolve("tour").resolve("session");
        Cli r = Cli.run("whatif", s.toString(), "--shared-buffers", "lots");
        assertEquals(ExitCodes.USAGE, r.code(), r.err());
        assertTrue(r.oneLineError() && r.err().contains("--shared-buffers lots is not a size"), r.err());
        r = Cli.run("whatif", s.toString(), "--shared-buffers", "64kB");
        assertEquals(ExitCodes.USAGE, r.code(), r.err());
        assertTrue(r.err().contains("below PostgreSQL's smallest, 128kB"), r.err());
    }
}
