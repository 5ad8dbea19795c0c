package io.pgbftrace.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgbftrace.demo.ThrowawayCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code record --metrics-port}: scraped during a real recording (real PostgreSQL, real bpftrace), the counters move
 * with the workload, and the last scrape equals what {@code info} says of the session afterwards.
 */
class RecordMetricsTest {
    private static final Pattern SAMPLE = Pattern.compile("^(\\w+)(\\{[^}]*})? (\\S+)$", Pattern.MULTILINE);
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static ThrowawayCluster cluster;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() throws Exception {
        Prerequisites.requireTracing();
        cluster = ThrowawayCluster.start(Prerequisites.PG_BIN, Map.of("shared_buffers", "16MB", "autovacuum", "off",
                "fsync", "off"));
        try (Connection c = cluster.settings("postgres").connect(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE metered (a int, b text)");
            st.execute("INSERT INTO metered SELECT g, repeat('x', 500) FROM generate_series(1, 20000) g");
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static void scan(int times) throws Exception {
        try (Connection c = cluster.settings("postgres").connect(); Statement st = c.createStatement()) {
            for (int i = 0; i < times; i++) {
                st.execute("SELECT count(*) FROM metered");
            }
        }
    }

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The samples of a scrape: "name{labels}" to value. */
    private static Map<String, Double> scrape(int port) throws Exception {
        HttpResponse<String> r = get(port, "/metrics");
        assertEquals(200, r.statusCode(), r.body());
        Map<String, Double> out = new HashMap<>();
        Matcher m = SAMPLE.matcher(r.body());
        while (m.find()) {
            out.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)), Double.parseDouble(m.group(3)));
        }
        return out;
    }

    private static double metered(Map<String, Double> s) {
        return s.getOrDefault("pgbftrace_relation_accesses_total{database=\"postgres\",relation=\"public.metered\"}",
                0.0);
    }

    @Test
    void scrapedWhileRecordingTheCountersMoveAndEndEqualToTheSession() throws Exception {
        Path session = tmp.resolve("metered");
        List<String> args = new ArrayList<>(List.of("record", "--out", session.toString(), "--metrics-port", "0",
                "--metrics-top", "100"));
        args.addAll(cluster.connectionArgs("postgres"));
        Path log = tmp.resolve("record.log");
        try (ToolProcess rec = ToolProcess.startRecording(session, log, args)) {
            Matcher url = Pattern.compile("metrics: http://127\\.0\\.0\\.1:(\\d+)/metrics").matcher(rec.output());
            assertTrue(url.find(), "record says where its metrics are, on this machine only: " + rec.output());
            int port = Integer.parseInt(url.group(1));
            HttpResponse<String> health = get(port, "/health");
            long deadline = System.currentTimeMillis() + 10_000;
            while (health.statusCode() != 200 && System.currentTimeMillis() < deadline) {
                Thread.sleep(100); // "starting" until the writer has handled bpftrace's first tick
                health = get(port, "/health");
            }
            assertEquals(200, health.statusCode(), health.body());
            assertEquals("recording\n", health.body());
            assertEquals(404, get(port, "/elsewhere").statusCode());

            Map<String, Double> first = scrape(port);
            assertEquals(1.0, first.get("pgbftrace_bpftrace_up"));
            assertTrue(first.get("pgbftrace_recorder_lag_seconds") < 5, first.toString());
            scan(1);
            Map<String, Double> second = settled(port);
            scan(2);
            Map<String, Double> third = settled(port);
            assertTrue(metered(second) >= 1000, "one scan of its 1,334 blocks counted: " + metered(second));
            assertEquals(3 * metered(second), metered(third), 0, "two more scans of the same blocks");
            assertTrue(third.get("pgbftrace_events_total{kind=\"HIT\"}") + third.get(
                    "pgbftrace_events_total{kind=\"MISS\"}") > second.get("pgbftrace_events_total{kind=\"HIT\"}")
                    + second.get("pgbftrace_events_total{kind=\"MISS\"}"), "the counters move");
            assertEquals(0, rec.terminate(), rec.output());

            JsonNode info = new ObjectMapper().readTree(Cli.run("info", session.toString(), "--json",
                    "--include-recorder").out());
            JsonNode counts = info.at("/session/eventCounts");
            counts.fieldNames().forEachRemaining(kind -> {
                if (!kind.equals("total")) {
                    assertEquals(counts.get(kind).asDouble(), third.getOrDefault(
                            "pgbftrace_events_total{kind=\"" + kind + "\"}", -1.0), kind);
                }
            });
            assertEquals(info.at("/session/lostEvents").asDouble(), third.get("pgbftrace_lost_events_total"));
            int compared = 0;
            for (JsonNode r : info.get("relations")) {
                String key = "pgbftrace_relation_accesses_total{database=\"" + (r.get("database").isNull() ? "shared"
                        : r.get("database").asText()) + "\",relation=\"" + r.get("qualifiedName").asText() + "\"}";
                if (r.get("accesses").asLong() > 0) {
                    assertEquals(r.get("accesses").asDouble(), third.getOrDefault(key, -1.0), key);
                    compared++;
                }
            }
            assertTrue(compared > 5, "the table and the catalogs the scans read: " + compared);
        }
    }

    /** Scrapes until two scrapes a second apart agree (the workload's events all written). */
    private static Map<String, Double> settled(int port) throws Exception {
        Map<String, Double> last = scrape(port);
        for (int i = 0; i < 30; i++) {
            Thread.sleep(1000);
            Map<String, Double> now = scrape(port);
            now.remove("pgbftrace_recorder_lag_seconds");
            last.remove("pgbftrace_recorder_lag_seconds");
            if (now.equals(last)) {
                return now;
            }
            last = now;
        }
        throw new AssertionError("the metrics did not settle within 30 s: " + last);
    }

    /** A port in use is one line, exit 1, before anything is written or traced. */
    @Test
    void aMetricsPortInUseIsRefusedBeforeRecording() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Path session = tmp.resolve("never");
            List<String> args = new ArrayList<>(List.of("record", "--out", session.toString(), "--metrics-port",
                    Integer.toString(taken.getLocalPort())));
            args.addAll(cluster.connectionArgs("postgres"));
            Cli r = Cli.run(args.toArray(String[]::new));
            assertEquals(ExitCodes.FAILED, r.code(), r.err());
            assertTrue(r.oneLineError(), r.err());
            assertTrue(r.err().contains("port " + taken.getLocalPort() + " on 127.0.0.1 is in use; choose another with"
                    + " --metrics-port"), r.err());
            assertFalse(Files.exists(session), "nothing written");
        }
    }
}
