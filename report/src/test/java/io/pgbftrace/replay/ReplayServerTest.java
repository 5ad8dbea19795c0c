package io.pgbftrace.replay;

import io.pgbftrace.session.PgbftraceException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgbftrace.report.GoldenSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import io.pgbftrace.report.LeakCheck;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(LeakCheck.class)
class ReplayServerTest {
    @TempDir
    Path tmp;
    ReplayServer server;
    final ObjectMapper json = new ObjectMapper();

    @BeforeEach
    void start() {
        server = ReplayServer.start(GoldenSession.write(tmp.resolve("golden"), true), "127.0.0.1", 0, 0.25,
                false, false);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    record Response(int status, String type, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    Response get(String path) throws IOException {
        return request("GET", path);
    }

    Response request(String method, String path) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + server.port() + path).toURL()
                .openConnection();
        c.setRequestMethod(method);
        int status = c.getResponseCode();
        try (InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream()) {
            return new Response(status, c.getContentType(), in == null ? new byte[0] : in.readAllBytes());
        }
    }

    /** A raw request line, for paths an HTTP client would normalise. */
    String raw(String path) throws IOException {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void sessionAndRelations() throws Exception {
        JsonNode s = json.readTree(get("/api/session").body());
        assertEquals(10.0, s.get("duration").asDouble(), 1e-9);
        assertEquals(0.25, s.get("speed").asDouble());
        assertTrue(s.get("ended").asBoolean());
        assertFalse(s.get("live").asBoolean());
        long deadline = System.currentTimeMillis() + 10_000;
        JsonNode rels;
        do {
            rels = json.readTree(get("/api/relations").body()); // filled by the background pass
        } while (rels.size() < 4 && System.currentTimeMillis() < deadline);
        List<String> names = new java.util.ArrayList<>();
        rels.forEach(r -> names.add(r.get("name").asText()));
        assertTrue(names.containsAll(List.of("public.orders", "public.orders_pkey", "pg_catalog.pg_class",
                "relfilenode 16384/1663/77777")), names.toString());
        for (JsonNode r : rels) {
            if (r.get("name").asText().equals("public.orders_pkey")) {
                assertTrue(r.get("index").asBoolean());
                assertEquals("public.orders", r.get("parent").asText());
                assertEquals(1, r.get("cellBlocks").asInt());
            }
        }
    }

    @Test
    void eventsComeAsAggregatedBinaryWindows() throws Exception {
        Response r = get("/api/events?from=0&to=10&slices=10");
        assertEquals(200, r.status());
        assertEquals("application/octet-stream", r.type());
        List<EventWindow.Record> records = EventWindow.decode(r.body());
        long hits = records.stream().filter(x -> x.kind() == 0).mapToLong(EventWindow.Record::count).sum();
        long misses = records.stream().filter(x -> x.kind() == 1).mapToLong(EventWindow.Record::count).sum();
        long extendsCount = records.stream().filter(x -> x.kind() == 2).mapToLong(EventWindow.Record::count).sum();
        long writes = records.stream().filter(x -> x.kind() == 4).mapToLong(EventWindow.Record::count).sum();
        // 1,000 + 200 + pg_class 1 + the unknown file 1; the recorder's own access is hidden; READs are not sent
        assertEquals(List.of(1202L, 50L, 10L, 20L), List.of(hits, misses, extendsCount, writes));
        assertTrue(records.stream().filter(x -> x.kind() == 1).allMatch(x -> x.slice() == 3), "misses at 3.0 s");
        for (int i = 1; i < records.size(); i++) {
            assertTrue(records.get(i - 1).slice() <= records.get(i).slice(), "sorted by slice");
        }
        assertEquals(1202 + 50 + 10 + 20 + 50 + 3, EventWindow.events(r.body()),
                "slice totals count every event: accesses, writes, the 50 kernel reads and 3 markers");
        Response only = get("/api/events?from=0&to=10&slices=10&rels=1");
        assertTrue(EventWindow.decode(only.body()).stream().allMatch(x -> x.relation() == 1));
        assertEquals(EventWindow.events(r.body()), EventWindow.events(only.body()));
        Response small = get("/api/events?from=1.0&to=1.01&slices=1");
        assertEquals(10, EventWindow.decode(small.body()).stream().mapToLong(EventWindow.Record::count).sum(),
                "orders' hits come 1 ms apart from 1 s on");
    }

    @Test
    void markersCarryQueriesAndCheckpoints() throws Exception {
        JsonNode m;
        long deadline = System.currentTimeMillis() + 10_000;
        do {
            m = json.readTree(get("/api/markers").body());
        } while (!m.get("ready").asBoolean() && System.currentTimeMillis() < deadline);
        assertEquals(3, m.get("markers").size());
        assertEquals("SELECT count(*) FROM orders WHERE note <> '<&>'", m.get("markers").get(0).get("text").asText());
        assertEquals("CHECKPOINT_DONE", m.get("markers").get(2).get("kind").asText());
    }

    @Test
    void thePageIsServedAndNothingElse() throws Exception {
        Response index = get("/");
        assertEquals(200, index.status());
        assertTrue(index.text().contains("<script type=\"module\" src=\"/static/app.js\">"));
        assertEquals(200, get("/static/grid.js").status());
        assertEquals("text/javascript; charset=utf-8", get("/static/app.js").type());
        assertEquals(404, get("/static/secret.txt").status());
        assertEquals(404, get("/pom.xml").status());
        assertTrue(raw("/static/../../pom.xml").startsWith("HTTP/1.1 400"), raw("/static/../../pom.xml"));
        assertTrue(raw("/static/%2e%2e/%2e%2e/etc/passwd").startsWith("HTTP/1.1 400"));
        assertEquals(405, request("POST", "/api/session").status());
    }

    @Test
    void badRequestsGetA4xxAndOneLineOfJson() throws Exception {
        String[][] cases = {
                {"/api/events?from=abc&to=1", "400", "parameter from is not a number: abc"},
                {"/api/events?to=1", "400", "missing parameter from"},
                {"/api/events?from=5&to=2", "400", "from and to must be seconds with 0 <= from < to and to - from <= 3600"},
                {"/api/events?from=-1&to=2", "400", "from and to must be seconds"},
                {"/api/events?from=0&to=1&slices=100000", "400", "slices must be between 1 and 4096"},
                {"/api/events?from=NaN&to=1", "400", "parameter from is not a number: NaN"},
                {"/api/events?from=50&to=51", "416", "the window starts at 50.000 s, past the end of the session (10.000 s)"},
                {"/api/nothing", "404", "no such path: /api/nothing"},
                {"/api/events?from=0&to=1&rels=a,b", "400", "rels must be relation ids separated by commas"},
        };
        for (String[] c : cases) {
            Response r = get(c[0]);
            assertEquals(Integer.parseInt(c[1]), r.status(), c[0]);
            assertEquals("application/json", r.type());
            String error = json.readTree(r.body()).get("error").asText();
            assertTrue(error.startsWith(c[2]), c[0] + ": " + error);
            assertFalse(r.text().contains("\tat ") || r.text().contains("Exception"), r.text());
        }
    }

    @Test
    void aPortInUseIsOneClearLine() {
        PgbftraceException e = assertThrows(PgbftraceException.class, () -> ReplayServer.start(
                GoldenSession.write(tmp.resolve("g2"), true), "127.0.0.1", server.port(), 1, false, false));
        assertEquals("port " + server.port() + " on 127.0.0.1 is in use; choose another with --port (0 picks a"
                + " free one)", e.getMessage());
    }

    @Test
    void slowClientsDoNotFreezeTheServer() throws Exception {
        // four sockets that send half a request used to hold all four worker threads
        List<Socket> slow = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) {
                Socket sock = new Socket("127.0.0.1", server.port());
                sock.getOutputStream().write("GET /api/session HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
                sock.getOutputStream().flush();
                slow.add(sock);
            }
            long started = System.nanoTime();
            assertEquals(200, get("/api/session").status());
            assertTrue(System.nanoTime() - started < 2_000_000_000L, "answered at once");
        } finally {
            for (Socket sock : slow) {
                sock.close();
            }
        }
    }

    @Test
    void relationIdsAbove65535SurviveTheWindowFormat() {
        long key = EventWindow.key(4095, 4, 70_000, 65_535);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(EventWindow.HEADER_BYTES + 4 + EventWindow.RECORD_BYTES)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put(EventWindow.MAGIC).putShort((short) EventWindow.VERSION).putShort((short) 0).putDouble(0).putDouble(1);
        b.putInt(1).putInt(1).putInt(1).putInt(1);
        int id = (int) ((key >>> 24) & EventWindow.MAX_RELATION_ID);
        b.putShort((short) (key >>> 51)).putShort((short) id).put((byte) ((key >>> 48) & 7)).put((byte) (id >>> 16))
                .putShort((short) 1).putInt((int) (key & 0xFFFFFF));
        EventWindow.Record r = EventWindow.decode(b.array()).get(0);
        assertEquals(new EventWindow.Record(4095, 70_000, 4, 1, 65_535), r);
        assertTrue(EventWindow.key(1, 0, 0, 0) > EventWindow.key(0, 7, EventWindow.MAX_RELATION_ID, 0xFFFFFF),
                "keys sort by slice first");
    }

    @Test
    void aFailureOfTheBackgroundPassIsShownNotSwallowed() throws Exception {
        Path s = GoldenSession.write(tmp.resolve("g2"), true);
        java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
        try (ReplayServer following = ReplayServer.start(s, "127.0.0.1", 0, 1, true, false,
                new java.io.PrintStream(log, true))) {
            // the session disappears while it is followed
            try (var walk = java.nio.file.Files.walk(s)) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    java.nio.file.Files.delete(p);
                }
            }
            JsonNode session = null;
            long deadline = System.currentTimeMillis() + 5000;
            while (System.currentTimeMillis() < deadline) {
                HttpURLConnection c = (HttpURLConnection) following.url().resolve("/api/session").toURL().openConnection();
                session = json.readTree(c.getInputStream());
                if (!session.path("error").isNull() && session.has("error") || !session.path("damage").isNull()) {
                    break;
                }
                Thread.sleep(100);
            }
            assertTrue(session != null && (session.hasNonNull("error") || session.hasNonNull("damage")), String.valueOf(session));
            assertFalse(session.path("live").asBoolean(), "not live once it failed");
            assertTrue(session.path("markersReady").asBoolean(), "the page stops waiting");
        }
        assertFalse(log.toString().contains("\tat "), log.toString());
    }

    /** LIVE means a recorder is still writing: an unfinished session whose recorder died is not live. */
    @Test
    void followingShowsLiveOnlyWhileTheRecorderRuns() throws Exception {
        Path s = GoldenSession.write(tmp.resolve("unfinished"), false);
        Process sleeper = new ProcessBuilder("sleep", "60").start();
        try {
            setRecorder(s, sleeper.pid());
            try (ReplayServer following = ReplayServer.start(s, "127.0.0.1", 0, 1, true, false)) {
                JsonNode session = json.readTree(following.url().resolve("/api/session").toURL());
                assertTrue(session.get("live").asBoolean(), session.toString());
                assertTrue(session.get("status").asText().startsWith("recording"), session.toString());
            }
            sleeper.destroyForcibly().waitFor();
            try (ReplayServer following = ReplayServer.start(s, "127.0.0.1", 0, 1, true, false)) {
                JsonNode session = json.readTree(following.url().resolve("/api/session").toURL());
                assertFalse(session.get("live").asBoolean(), session.toString());
                assertTrue(session.get("status").asText().startsWith("incomplete"), session.toString());
            }
        } finally {
            sleeper.destroyForcibly();
        }
    }

    /** Names the process as the session's recorder, as record does when it starts. */
    static void setRecorder(Path session, long pid) throws IOException {
        Path file = session.resolve("session.json");
        com.fasterxml.jackson.databind.node.ObjectNode m = (com.fasterxml.jackson.databind.node.ObjectNode)
                new ObjectMapper().readTree(file.toFile());
        ((com.fasterxml.jackson.databind.node.ObjectNode) m.get("recorder")).put("pid", pid)
                .put("processStart", io.pgbftrace.session.RecorderProcess.startOf(pid));
        new ObjectMapper().writeValue(file.toFile(), m);
    }

    /** The page fetches windows while the background pass reads: concurrent reads must not mix up records. */
    @Test
    void concurrentWindowsAreEachRight() throws Exception {
        // 400 batches: reads of different batches interleave
        io.pgbftrace.session.SessionMetadata m = new io.pgbftrace.session.SessionMetadata();
        m.source = "record";
        m.startMonotonicNs = 1_000_000_000L;
        Path dir = tmp.resolve("many");
        try (io.pgbftrace.session.SessionWriter w = io.pgbftrace.session.SessionWriter.create(dir, m)) {
            for (int b = 0; b < 400; b++) {
                for (int i = 0; i < 250; i++) {
                    w.append(io.pgbftrace.session.Event.access(io.pgbftrace.session.EventKind.HIT,
                            m.startMonotonicNs + b * 10_000_000L + i * 1000L, 7, 5, 1663, 100 + b % 7, 0, i, false));
                }
                w.flush();
            }
            w.metadata().endMonotonicNs = m.startMonotonicNs + 4_000_000_000L;
            w.finish("complete", "test", true);
        }
        server.close();
        server = ReplayServer.start(dir, "127.0.0.1", 0, 1, false, false);
        byte[] expected = get("/api/events?from=0&to=4&slices=60").body();
        assertEquals(100_000, EventWindow.events(expected));
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            List<java.util.concurrent.Future<Response>> answers = new java.util.ArrayList<>();
            for (int i = 0; i < 80; i++) {
                answers.add(pool.submit(() -> get("/api/events?from=0&to=4&slices=60")));
            }
            for (java.util.concurrent.Future<Response> a : answers) {
                Response r = a.get();
                assertEquals(200, r.status(), r.text());
                assertTrue(java.util.Arrays.equals(expected, r.body()), "the same window, the same bytes");
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
