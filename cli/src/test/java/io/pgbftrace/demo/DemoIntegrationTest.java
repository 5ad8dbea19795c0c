package io.pgbftrace.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The demo command for real: a throwaway cluster, bpftrace, a recorded scenario. */
class DemoIntegrationTest {
    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {
    }

    static Run demo(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] all = new String[args.length + 1];
        all[0] = "demo";
        System.arraycopy(args, 0, all, 1, args.length);
        int code = io.pgbftrace.cli.Main.execute(all, new PrintWriter(out, true), new PrintWriter(err, true), env);
        return new Run(code, out.toString(), err.toString());
    }

    static JsonNode relation(JsonNode info, String name) {
        for (JsonNode r : info.get("relations")) {
            if (name.equals(r.get("qualifiedName").asText())) {
                return r;
            }
        }
        throw new AssertionError(name + " not in " + info);
    }

    @Test
    void recordsTheSmallScanScenario() throws Exception {
        io.pgbftrace.cli.PrerequisitesAccess.requireTracing();
        Path out = tmp.resolve("small");
        Run r = demo(Map.of("PATH", System.getenv("PATH")), "--scenario", "seqscan-small", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("next:   ./pgbftrace replay " + out.resolve("session")), r.out());
        assertTrue(Files.size(out.resolve("report.html")) > 10_000);
        assertEquals(Demo.bundledText("seqscan-small"), Files.readString(out.resolve("scenario.sql")));

        StringWriter info = new StringWriter();
        io.pgbftrace.cli.Main.execute(new String[]{"info", out.resolve("session").toString(), "--json"},
                new PrintWriter(info), new PrintWriter(new StringWriter()), Map.of());
        JsonNode small = relation(new ObjectMapper().readTree(info.toString()), "public.small");
        long size = small.get("sizeBlocks").asLong();
        assertTrue(size > 100, small.toString());
        assertEquals(size, small.get("misses").asLong(), "cold start: the first scan reads every block in");
        assertEquals(size, small.get("hits").asLong(), "the second scan finds every block");
        assertTrue(Files.list(Path.of(System.getProperty("java.io.tmpdir")))
                .noneMatch(p -> p.getFileName().toString().startsWith("pgbftrace-pg-") && Files.exists(
                        p.resolve("data").resolve("postmaster.pid")) && p.toFile().lastModified() > System.currentTimeMillis() - 60_000),
                "the throwaway cluster is gone");
    }

    /** --pg-bindir runs the scenario on another build: one without USDT probes is traced with uprobes. */
    @Test
    void runsOnABuildWithoutProbesGivenItsBinFolder() throws Exception {
        io.pgbftrace.cli.PrerequisitesAccess.requireTracing();
        Path bin = io.pgbftrace.cli.PrerequisitesAccess.embeddedPostgres(17);
        Path out = tmp.resolve("pg17");
        Run r = demo(Map.of("PATH", System.getenv("PATH")), "--scenario", "seqscan-small", "--out", out.toString(),
                "--pg-bindir", bin.toString());
        assertEquals(0, r.code(), r.err());
        StringWriter info = new StringWriter();
        io.pgbftrace.cli.Main.execute(new String[]{"info", out.resolve("session").toString(), "--json"},
                new PrintWriter(info), new PrintWriter(new StringWriter()), Map.of());
        JsonNode doc = new ObjectMapper().readTree(info.toString());
        JsonNode session = doc.get("session");
        assertTrue(session.get("postgres").get("version").asText().startsWith("17."), session.toString());
        assertEquals("uprobe", session.get("bpftrace").get("captureMethod").asText());
        JsonNode small = relation(doc, "public.small");
        long size = small.get("sizeBlocks").asLong();
        assertEquals(size, small.get("misses").asLong(), "cold start: the first scan reads every block in");
        assertEquals(size, small.get("hits").asLong(), "the second scan finds every block");

        Run bad = demo(Map.of("PATH", System.getenv("PATH")), "--scenario", "seqscan-small", "--out",
                tmp.resolve("bad").toString(), "--pg-bindir", tmp.toString());
        assertEquals(2, bad.code());
        assertTrue(bad.err().startsWith("pgbftrace demo: --pg-bindir " + tmp + " has no postgres; give the bin"
                + " folder of a PostgreSQL installation or unpacked build"), bad.err());

        Run tooOld = demo(Map.of("PATH", System.getenv("PATH")), "--scenario", "seqscan-async", "--out",
                tmp.resolve("old").toString(), "--pg-bindir", bin.toString());
        assertEquals(2, tooOld.code());
        assertTrue(tooOld.err().startsWith("pgbftrace demo: scenario seqscan-async needs PostgreSQL 18 or later, and "
                + bin + " has PostgreSQL 17; give --pg-bindir the bin folder of a PostgreSQL 18 build"), tooOld.err());
        assertFalse(java.nio.file.Files.exists(tmp.resolve("old")), "nothing written");
    }

    @Test
    void scenarioMistakesAreUsageErrors() throws Exception {
        Run unknown = demo(Map.of("PATH", System.getenv("PATH")), "--scenario", "nope", "--out", tmp.toString());
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().startsWith("pgbftrace demo: no scenario named 'nope'; choose one of tour,"), unknown.err());
        Path bad = tmp.resolve("bad.sql");
        Files.writeString(bad, "-- title: t\n-- @record\nSELECT 1\n");
        Run r = demo(Map.of("PATH", System.getenv("PATH")), "--scenario", bad.toString(), "--out", tmp.resolve("o").toString());
        assertEquals(2, r.code());
        assertEquals("pgbftrace demo: bad line 3: statement does not end with ';'\n", r.err().lines().findFirst().orElse("") + "\n");
    }

    @Test
    void whereItCannotTraceItReplaysTheBundledSampleAndSaysWhy() throws Exception {
        Path log = tmp.resolve("fallback.log");
        // no bpftrace on PATH, and installing it is forbidden
        try (io.pgbftrace.cli.ToolProcessAccess p = io.pgbftrace.cli.ToolProcessAccess.start(log,
                List.of("demo", "--no-install"), Map.of("PATH", "/nonexistent", "PGBFTRACE_HOME", Path.of("..")
                        .toAbsolutePath().normalize().toString()))) {
            Pattern url = Pattern.compile("at (http://127\\.0\\.0\\.1:\\d+/)");
            long deadline = System.currentTimeMillis() + 60_000;
            Matcher m = url.matcher("");
            while (System.currentTimeMillis() < deadline) {
                m = url.matcher(Files.readString(log));
                if (m.find()) {
                    break;
                }
                Thread.sleep(200);
            }
            String output = Files.readString(log);
            assertTrue(m.find(0), output);
            assertTrue(output.contains("pgbftrace demo: cannot trace here: "), output);
            assertTrue(output.contains("replaying the bundled sample"), output);
            JsonNode session = new ObjectMapper().readTree(URI.create(m.group(1) + "api/session").toURL());
            assertEquals("A tour: misses, hits and the ring buffer", session.get("title").asText());
        }
    }
}
