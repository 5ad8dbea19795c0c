package io.pgbftrace.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgbftrace.demo.Demo;
import io.pgbftrace.demo.Scenario;
import io.pgbftrace.replay.ReplayServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every sample in samples/ loads in info, report and replay, and matches what the code makes of it today. */
class SamplesTest {
    static final Path SAMPLES = Path.of("..", "samples");

    @TempDir
    Path tmp;

    static List<String> samples() throws IOException {
        try (Stream<Path> s = Files.list(SAMPLES)) {
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void theBundledScenariosAreTheSamples() throws IOException {
        assertEquals(Demo.SCENARIOS.stream().sorted().toList(), samples());
        assertTrue(Demo.SCENARIOS.size() >= 9, "eight scenarios and the default tour");
        String index = Files.readString(SAMPLES.resolve("README.md"));
        for (String s : samples()) {
            assertTrue(index.contains("(" + s + "/report.html)"), "samples/README.md links " + s + "'s report");
        }
        long bytes;
        try (Stream<Path> s = Files.walk(SAMPLES)) {
            bytes = s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
        assertTrue(bytes < 30L << 20, "samples/ takes " + bytes + " bytes");
    }

    @ParameterizedTest
    @MethodSource("samples")
    void loadsInInfoReportAndReplay(String name) throws Exception {
        Path dir = SAMPLES.resolve(name);
        Path session = dir.resolve("session");
        Map<Path, String> before = digests(session);
        String scenario = Files.readString(dir.resolve("scenario.sql"));
        assertEquals(Demo.bundledText(name), scenario, "the jar carries the sample's scenario");
        Scenario parsed = Scenario.parse(name, scenario);
        String readme = Files.readString(dir.resolve("README.md"));
        assertTrue(readme.startsWith("# ") && readme.contains("**Question.**") && readme.contains("**In the report**"),
                name + "/README.md follows the pattern");

        Cli info = Cli.run("info", session.toString(), "--json");
        assertEquals(0, info.code(), info.err());
        JsonNode s = new ObjectMapper().readTree(info.out()).get("session");
        assertTrue(s.get("complete").asBoolean());
        assertEquals("record", s.get("source").asText(), "recorded on real PostgreSQL, not synthesized");
        assertEquals(0, s.get("lostEvents").asLong());
        assertEquals(parsed.title(), s.get("title").asText());
        assertTrue(parsed.lookFor() != null && parsed.lookFor().equals(s.get("lookFor").asText()),
                "the session says what to look for, as its scenario does");

        Path report = tmp.resolve(name + ".html");
        Cli r = Cli.run("report", session.toString(), "-o", report.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(Files.readString(dir.resolve("report.html")), Files.readString(report),
                "samples/" + name + "/report.html is stale: ./pgbftrace report samples/" + name + "/session -o samples/"
                        + name + "/report.html");

        try (ReplayServer server = ReplayServer.start(session, "127.0.0.1", 0, 1, false, false)) {
            ObjectMapper json = new ObjectMapper();
            URI base = URI.create("http://127.0.0.1:" + server.port());
            assertTrue(json.readTree(base.resolve("/api/session").toURL()).get("events").asLong() > 0);
            long deadline = System.currentTimeMillis() + 10_000;
            JsonNode rels;
            do {
                rels = json.readTree(base.resolve("/api/relations").toURL());
            } while (rels.isEmpty() && System.currentTimeMillis() < deadline);
            assertFalse(rels.isEmpty(), "the replay lists relations");
        }
        assertEquals(before, digests(session), "reading a session never changes its files");
    }

    static Map<Path, String> digests(Path dir) throws Exception {
        Map<Path, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                out.put(dir.relativize(p), HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                        .digest(Files.readAllBytes(p))));
            }
        }
        return out;
    }
}
