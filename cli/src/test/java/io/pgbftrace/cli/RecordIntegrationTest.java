package io.pgbftrace.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgbftrace.capture.Processes;
import io.pgbftrace.session.SessionMetadata;
import io.pgbftrace.session.SessionReader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Records real workloads on a real cluster with the real record command and real bpftrace, and holds the session
 * to PostgreSQL's own counters.
 */
class RecordIntegrationTest {
    private static TestCluster cluster;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @BeforeAll
    static void startCluster() throws Exception {
        Prerequisites.requireTracing();
        cluster = TestCluster.start();
        sql("postgres", "CREATE DATABASE second");
        sql("postgres",
                "CREATE TABLE pre_t (a int PRIMARY KEY, b text)",
                "INSERT INTO pre_t SELECT g, repeat('x', 200) FROM generate_series(1, 5000) g",
                "CREATE TABLE trunc_t (a int)",
                "INSERT INTO trunc_t SELECT generate_series(1, 2000)",
                // larger than shared_buffers / 4: a sequential scan goes through the ring buffer and misses
                "CREATE TABLE big_t (a int, b text)",
                "INSERT INTO big_t SELECT g, repeat('y', 500) FROM generate_series(1, 40000) g",
                "CHECKPOINT");
        sql("second",
                "CREATE TABLE s_t (a int PRIMARY KEY, b text)",
                "INSERT INTO s_t SELECT g, 'z' FROM generate_series(1, 3000) g");
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** Runs statements one at a time (pgjdbc would pipeline a multi-statement string; VACUUM refuses that). */
    static void sql(String db, String... statements) throws Exception {
        try (Connection c = cluster.connect(db); Statement st = c.createStatement()) {
            for (String s : statements) {
                st.execute(s);
            }
            st.execute("SELECT pg_stat_force_next_flush()"); // counters reach pg_statio before we read them
        }
    }

    /** schema.relname#oid -> {hit, read} from pg_statio, tables (heap) and indexes; a recreated table is new. */
    static Map<String, long[]> statio(String db) throws Exception {
        Map<String, long[]> out = new HashMap<>();
        try (Connection c = cluster.connect(db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("""
                     SELECT schemaname || '.' || relname || '#' || relid, heap_blks_hit, heap_blks_read
                     FROM pg_statio_user_tables
                     UNION ALL
                     SELECT schemaname || '.' || indexrelname || '#' || indexrelid, idx_blks_hit, idx_blks_read
                     FROM pg_statio_user_indexes
                     """)) {
            while (rs.next()) {
                out.put(rs.getString(1), new long[]{rs.getLong(2), rs.getLong(3)});
            }
        }
        return out;
    }

    static ToolProcess startRecording(Path session, Path log, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("record", "--out", session.toString()));
        args.addAll(cluster.connectionArgs("postgres"));
        args.addAll(List.of(extra));
        return ToolProcess.startRecording(session, log, args);
    }

    static JsonNode infoJson(Path session) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(new String[]{"info", session.toString(), "--json"}, new PrintWriter(out),
                new PrintWriter(err), Map.of());
        assertEquals(0, code, err.toString());
        return JSON.readTree(out.toString());
    }

    /**
     * auto and pairing: a line per event, outcomes told apart by the probe's arguments or by kernel-read pairing
     * (auto records in the default --mode auto: the statements below, cold scans included, never stay busy long
     * enough to be counted, so they keep their order); aggregate: counts per 100 ms slice; switching: --mode auto
     * with a low threshold, so that two runs of pgbench are counted per slice and the quiet moments between them
     * printed line by line.
     */
    @ParameterizedTest
    @ValueSource(strings = {"auto", "pairing", "aggregate", "switching"})
    void sessionHitsAndReadsEqualPgStatioExactly(String method) throws Exception {
        boolean perEvent = method.equals("auto") || method.equals("pairing");
        if (!perEvent) {
            Processes.Result init = Processes.run(pgbench("-i", "-s", "1", "-q"), java.time.Duration.ofMinutes(2));
            assertEquals(0, init.exitCode(), init.output());
        }
        Map<String, long[]> before1 = statio("postgres");
        Map<String, long[]> before2 = statio("second");
        Path session = tmp.resolve("session");
        List<String> options = new ArrayList<>(List.of("--title", "integration"));
        options.addAll(switch (method) {
            case "aggregate" -> List.of("--aggregate", "100ms");
            case "switching" -> List.of("--mode", "auto", "--auto-above", "2000");
            case "auto" -> List.of("--outcome-method", method);
            default -> List.of("--outcome-method", method, "--mode", "events");
        });
        try (ToolProcess rec = startRecording(session, tmp.resolve("record.log"), options.toArray(String[]::new))) {
            if (!perEvent) { // a busy server, at full speed: per-event output would lose events here
                for (int run = 0; run < 2; run++) {
                    Processes.Result bench = Processes.run(pgbench("-S", "-c", "2", "-j", "2", "-T", "2", "-n"),
                            java.time.Duration.ofMinutes(1));
                    assertEquals(0, bench.exitCode(), bench.output());
                    Thread.sleep(1500); // quiet for longer than auto mode waits before printing events again
                }
            }
            sql("postgres",
                    "SELECT count(*) FROM pre_t",
                    "SELECT * FROM pre_t WHERE a IN (1, 777, 4242)",
                    "DELETE FROM pre_t WHERE a > 5000",
                    "INSERT INTO pre_t SELECT g, repeat('n', 200) FROM generate_series(5001, 8000) g",
                    "UPDATE pre_t SET b = 'u' WHERE a % 100 = 0",
                    "DROP TABLE IF EXISTS new_t",
                    "CREATE TABLE new_t (a int)",
                    "INSERT INTO new_t SELECT generate_series(1, 5000)",
                    "CREATE INDEX new_t_a ON new_t (a)",
                    "SELECT count(*) FROM trunc_t",
                    "TRUNCATE trunc_t",
                    "INSERT INTO trunc_t SELECT generate_series(1, 1000)",
                    "SELECT count(*) FROM big_t",
                    "VACUUM pre_t",
                    "SELECT 'multi\nline' AS marker");
            sql("second",
                    "SELECT count(*) FROM s_t WHERE a < 100",
                    "DELETE FROM s_t WHERE a > 3000",
                    "INSERT INTO s_t SELECT g, 'w' FROM generate_series(3001, 6000) g");
            sql("postgres", "CHECKPOINT");
            Map<String, long[]> after1 = statio("postgres");
            Map<String, long[]> after2 = statio("second");
            Thread.sleep(1500); // let a tick pass so the catalog look-ups are written
            assertEquals(0, rec.terminate(), rec.output());

            JsonNode info = infoJson(session);
            JsonNode s = info.get("session");
            assertTrue(s.get("complete").asBoolean(), info.toPrettyString());
            assertEquals("signal SIGTERM", s.get("stopReason").asText());
            assertEquals(0, s.get("lostEvents").asLong(), "events were lost; the comparison would be meaningless: "
                    + s.get("notes"));
            assertEquals(method.equals("pairing") ? "kernel-read-pairing" : "stapsdt-arguments",
                    s.get("bpftrace").get("outcomeMethod").asText());
            JsonNode spans = s.get("bpftrace").get("aggregated");
            switch (method) {
                case "aggregate" -> assertEquals(1, spans.size(), s.toPrettyString());
                case "switching" -> {
                    // each pgbench run is a span of about 2 s (counting starts 1 s into it, and stops 1 s after);
                    // the statements after them may be one more at this low threshold
                    long runs = java.util.stream.StreamSupport.stream(spans.spliterator(), false)
                            .filter(sp -> sp.get("toNs").asLong() - sp.get("fromNs").asLong() >= 1_500_000_000L)
                            .count();
                    assertEquals(2, runs, "each pgbench run is one span: " + spans);
                }
                case "auto" -> assertEquals(0, spans.size(), "nothing here is busy for a second: " + spans);
                default -> assertNull(spans, s.toPrettyString());
            }

            int compared = compare(info, "postgres", before1, after1) + compare(info, "second", before2, after2);
            assertEquals(after1.size() + after2.size(), compared);
            assertTrue(after1.keySet().stream().anyMatch(k -> k.startsWith("public.new_t_a#")));

            JsonNode big = row(info, "postgres", "public.big_t");
            assertTrue(big.get("misses").asLong() > 1000, "a scan bigger than the ring must miss: " + big);
            assertEquals(big.get("misses").asLong(), big.get("kernelReads").asLong(), "every miss is a kernel read");
            assertTrue(row(info, "postgres", "public.trunc_t").get("relfilenodes").size() >= 2,
                    "TRUNCATE gives the table a new file; both resolve to trunc_t");
            JsonNode counts = s.get("eventCounts");
            assertTrue(counts.get("WRITE").asLong() > 0, "CHECKPOINT writes buffers out");
            assertTrue(counts.get("CHECKPOINT_START").asLong() >= 1 && counts.get("CHECKPOINT_DONE").asLong() >= 1);
            assertTrue(method.equals("aggregate") ? counts.get("QUERY").asLong() == 0
                    : counts.get("QUERY").asLong() >= (perEvent ? 15 : 1), counts.toString());
            assertFalse(s.get("recorderBackendPids").isEmpty());
            String script = Files.readString(session.resolve("capture.bt"));
            assertTrue(script.contains("buffer__read__done"), script);

            Path html = tmp.resolve("report.html");
            Cli report = Cli.run("report", session.toString(), "-o", html.toString());
            assertEquals(0, report.code(), report.err());
            String page = Files.readString(html);
            assertTrue(page.contains("public.big_t") && page.contains("public.pre_t_pkey"), "a real session renders");
            assertTrue(page.contains("class=\"latency\""), "big_t's kernel reads have a latency chart");
        }
    }

    /**
     * The issue's harder workload, every relation with storage (user tables, their TOAST tables and indexes, user
     * indexes, sequences) compared with pg_statio by oid: rewrites (VACUUM FULL with TOAST, CLUSTER, ALTER TABLE ...
     * TYPE handing its TOAST table over by link, REFRESH MATERIALIZED VIEW), REINDEX, SET TABLESPACE, a partition
     * attached while recording, hash and BRIN indexes, an unlogged table, COPY, a sequence, a temporary table, and
     * pgbench -M prepared with 4 clients running meanwhile. What a rewrite fills through its transient relation
     * counts there (PostgreSQL drops those counts with the transient), not on the relation.
     */
    @Test
    void everyRelationEqualsPgStatioThroughRewritesPartitionsSequencesAndConcurrentClients() throws Exception {
        Path spcDir = cluster.scratch().resolve("ts_exact");
        Files.createDirectory(spcDir);
        Files.setOwner(spcDir, Files.getOwner(cluster.scratch()));
        sql("postgres",
                "CREATE TABLESPACE ts_exact LOCATION '" + spcDir + "'",
                "CREATE TABLE docs (id int PRIMARY KEY, body text)",
                "ALTER TABLE docs ALTER body SET STORAGE EXTERNAL", // every body goes to TOAST
                "INSERT INTO docs SELECT g, repeat(md5(g::text), 100) FROM generate_series(1, 1500) g",
                "CREATE TABLE alt (id int PRIMARY KEY, n int, big text)",
                "ALTER TABLE alt ALTER big SET STORAGE EXTERNAL",
                "INSERT INTO alt SELECT g, g, CASE WHEN g % 50 = 0 THEN repeat(md5(g::text), 100) END"
                        + " FROM generate_series(1, 20000) g",
                "CREATE TABLE cl (id int, v int)",
                "CREATE INDEX cl_v ON cl (v)",
                "INSERT INTO cl SELECT g, (g * 7919) % 10000 FROM generate_series(1, 20000) g",
                "CREATE MATERIALIZED VIEW mv AS SELECT id, length(big) AS m FROM alt",
                "CREATE TABLE part (k int, v text) PARTITION BY RANGE (k)",
                "CREATE TABLE part_a PARTITION OF part FOR VALUES FROM (0) TO (1000)",
                "INSERT INTO part SELECT g, 'a' FROM generate_series(0, 999) g",
                "CREATE UNLOGGED TABLE unl (a int, b text)",
                "CREATE TABLE hx (a int, b text)",
                "CREATE INDEX hx_h ON hx USING hash (a)",
                "INSERT INTO hx SELECT g, 'h' FROM generate_series(1, 5000) g",
                "CREATE TABLE br (a int, b text)",
                "CREATE INDEX br_b ON br USING brin (a)",
                "INSERT INTO br SELECT g, 'b' FROM generate_series(1, 20000) g",
                "CREATE TABLE cp (a int, b text)",
                "CREATE TABLE seqt (id serial PRIMARY KEY, v text)",
                "CHECKPOINT");
        Processes.Result init = Processes.run(pgbench("-i", "-s", "1", "-q"), java.time.Duration.ofMinutes(2));
        assertTrue(init.ok(), init.lastLine());
        Map<Long, String> names = new HashMap<>();
        Map<Long, long[]> before = statioByOid("postgres", names);
        Path session = tmp.resolve("exact");
        Process pgbench;
        // bursts (VACUUM FULL, the inserts) on top of the clients: room for them, so that no event is lost
        // a line per event: rewrites are told apart by the time of their swap
        try (ToolProcess rec = startRecording(session, tmp.resolve("exact.log"), "--buffer-pages", "16384",
                "--mode", "events");
             Connection temp = cluster.connect("postgres"); Statement tst = temp.createStatement()) {
            pgbench = new ProcessBuilder(pgbench("-M", "prepared", "-c", "4", "-j", "2", "-t", "100", "-R", "200", "-n"))
                    .redirectErrorStream(true).redirectOutput(tmp.resolve("pgbench.log").toFile()).start();
            sql("postgres",
                    "VACUUM FULL docs",
                    "ALTER TABLE alt ALTER COLUMN n TYPE bigint",
                    "REFRESH MATERIALIZED VIEW mv",
                    "CLUSTER cl USING cl_v",
                    "REINDEX TABLE hx",
                    "ALTER TABLE br SET TABLESPACE ts_exact",
                    "SELECT count(*) FROM br WHERE a BETWEEN 100 AND 200",
                    "SELECT count(*) FROM hx WHERE a = 77",
                    "CREATE TABLE part_b (LIKE part)",
                    "INSERT INTO part_b SELECT g, 'b' FROM generate_series(1000, 1999) g",
                    "ALTER TABLE part ATTACH PARTITION part_b FOR VALUES FROM (1000) TO (2000)",
                    "SELECT count(*) FROM part WHERE k > 500",
                    "INSERT INTO unl SELECT g, 'u' FROM generate_series(1, 3000) g",
                    "SELECT count(*) FROM unl",
                    "COPY cp (a) FROM PROGRAM 'seq 1 3000'",
                    "INSERT INTO seqt (v) SELECT 's' FROM generate_series(1, 500)",
                    "SELECT nextval('seqt_id_seq')",
                    "SELECT count(*) FROM docs WHERE length(body) > 10",
                    "SELECT count(*) FROM alt WHERE length(big) > 10");
            // a temporary table: its connection stays open so that pg_statio still lists it at the end
            for (String q : List.of("CREATE TEMP TABLE tmp_t (a int, b text)",
                    "INSERT INTO tmp_t SELECT g, repeat('t', 100) FROM generate_series(1, 5000) g",
                    "SELECT count(*) FROM tmp_t", "SELECT pg_stat_force_next_flush()")) {
                tst.execute(q);
            }
            assertTrue(pgbench.waitFor(3, java.util.concurrent.TimeUnit.MINUTES), "pgbench did not finish");
            assertEquals(0, pgbench.exitValue(), Files.readString(tmp.resolve("pgbench.log")));
            Map<Long, long[]> after = statioByOid("postgres", names);
            Thread.sleep(1500); // the catalog look-ups of the new files are written
            assertEquals(0, rec.terminate(), rec.output());

            JsonNode info = infoJson(session);
            assertEquals(0, info.get("session").get("lostEvents").asLong(), "lost events: no comparison");
            Map<Long, JsonNode> byOid = new HashMap<>();
            for (JsonNode r : info.get("relations")) {
                if (!r.get("oid").isNull() && "postgres".equals(r.path("database").asText())) {
                    byOid.put(r.get("oid").asLong(), r);
                }
            }
            List<String> wrong = new ArrayList<>();
            after.forEach((oid, a) -> {
                long[] b = before.getOrDefault(oid, new long[2]);
                JsonNode r = byOid.get(oid);
                long hits = r == null ? 0 : r.get("hits").asLong();
                long reads = r == null ? 0 : r.get("misses").asLong() + r.get("extends").asLong();
                if (hits != a[0] - b[0] || reads != a[1] - b[1]) {
                    wrong.add(names.get(oid) + ": pg_statio " + (a[0] - b[0]) + " hit / " + (a[1] - b[1])
                            + " read, session " + hits + " / " + reads);
                }
            });
            assertEquals(List.of(), wrong);
            for (String name : List.of(".tmp_t", "public.seqt_id_seq", "public.part_b", "public.pgbench_history",
                    "public.br_b", "public.hx_h", "public.alt")) {
                assertTrue(names.entrySet().stream().anyMatch(e -> e.getValue().endsWith(name)
                        && byOid.containsKey(e.getKey())), name + " was compared, with events");
            }
            // what PostgreSQL counted on the transient relations is shown as such
            Map<String, JsonNode> transients = new HashMap<>();
            for (JsonNode r : info.get("relations")) {
                if (r.hasNonNull("rewrite")) {
                    transients.put(r.get("qualifiedName").asText(), r);
                }
            }
            JsonNode altCopy = transients.get("rewrite of public.alt by ALTER TABLE");
            assertTrue(altCopy != null && altCopy.get("extends").asLong() > 50, transients.keySet().toString());
            assertTrue(transients.containsKey("rewrite of public.mv by REFRESH MATERIALIZED VIEW"),
                    transients.keySet().toString());
            assertTrue(transients.keySet().stream().anyMatch(n -> n.matches(
                    "rewrite of pg_toast\\.pg_toast_\\d+ by VACUUM FULL")), transients.keySet().toString());
            Path html = tmp.resolve("exact.html");
            Cli report = Cli.run("report", session.toString(), "-o", html.toString());
            assertEquals(0, report.code(), report.err());
            String page = Files.readString(html);
            assertTrue(page.contains(">rewrite of public.alt by ALTER TABLE</a>")
                    && page.contains("<td class=\"text\">transient table</td>"), "the report lists the transient");
        }
    }

    /** pgbench on the test cluster with these options (its -d means --debug: the database goes last). */
    static List<String> pgbench(String... options) {
        List<String> cmd = new ArrayList<>(List.of(Prerequisites.PG_BIN.resolve("pgbench").toString()));
        cmd.addAll(List.of(options));
        List<String> conn = cluster.connectionArgs("postgres");
        cmd.addAll(conn.subList(0, conn.size() - 2));
        cmd.add("postgres");
        return cmd;
    }

    /** oid -> {hit, read} of every relation with storage outside pg_catalog (TOAST and temporary included). */
    static Map<Long, long[]> statioByOid(String db, Map<Long, String> names) throws Exception {
        Map<Long, long[]> out = new HashMap<>();
        try (Connection c = cluster.connect(db); Statement st = c.createStatement()) {
            st.execute("SELECT pg_stat_force_next_flush()");
            try (ResultSet rs = st.executeQuery("""
                     SELECT relid, schemaname || '.' || relname, heap_blks_hit, heap_blks_read FROM pg_statio_all_tables
                     UNION ALL
                     SELECT indexrelid, schemaname || '.' || indexrelname, idx_blks_hit, idx_blks_read
                     FROM pg_statio_all_indexes
                     UNION ALL
                     SELECT relid, schemaname || '.' || relname, blks_hit, blks_read FROM pg_statio_all_sequences
                     """)) {
                while (rs.next()) {
                    String name = rs.getString(2);
                    if (name.startsWith("pg_catalog.") || name.startsWith("information_schema.")
                            || rs.getObject(3) == null) {
                        continue; // catalogs: the recorder's own look-ups touch them; a partitioned parent: no file
                    }
                    out.put(rs.getLong(1), new long[]{rs.getLong(3), rs.getLong(4)});
                    names.put(rs.getLong(1), name);
                }
            }
        }
        return out;
    }

    /**
     * The checkpoint's figure is PostgreSQL's own: checkpoint__done's first argument (a global bpftrace cannot name)
     * is the buffers pg_stat_bgwriter says the checkpoint wrote plus the few SLRU pages it wrote; the checkpointer's
     * WRITE events equal pg_stat_bgwriter's count.
     */
    @Test
    void theCheckpointFigureIsTheBuffersPostgresWrote() throws Exception {
        Path session = tmp.resolve("checkpoint");
        try (ToolProcess rec = startRecording(session, tmp.resolve("record.log"))) {
            sql("postgres", "UPDATE pre_t SET b = b || '!' WHERE a % 3 = 0");
            long[] before = checkpointCounters();
            sql("postgres", "CHECKPOINT");
            long[] after = checkpointCounters();
            long deadline = System.currentTimeMillis() + 10_000; // the checkpointer reports its counts a moment later
            while (after[0] == before[0] && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
                after = checkpointCounters();
            }
            Thread.sleep(500);
            assertEquals(0, rec.terminate(), rec.output());
            long buffers = after[0] - before[0];
            long slru = after[1] - before[1];
            assertTrue(buffers > 50, "the UPDATE dirtied buffers: " + buffers);

            List<io.pgbftrace.session.Event> done = new ArrayList<>();
            Map<Integer, Long> writesByPid = new HashMap<>();
            try (SessionReader r = SessionReader.open(session)) {
                r.read(e -> {
                    if (e.kind() == io.pgbftrace.session.EventKind.CHECKPOINT_DONE) {
                        done.add(e);
                    } else if (e.kind() == io.pgbftrace.session.EventKind.WRITE) {
                        writesByPid.merge(e.pid(), 1L, Long::sum);
                    }
                });
            }
            assertEquals(1, done.size(), done.toString());
            // ckpt_bufs_written also counts the SLRU pages (CLOG, ...) the checkpoint wrote; the checkpointer does not
            // flush pg_stat_slru at once, so those few are bounded rather than matched
            long value = done.get(0).value();
            assertTrue(value >= buffers && value <= buffers + Math.max(slru, 4), "checkpoint__done's buffers written: "
                    + value + "; pg_stat_bgwriter: " + buffers + " shared, pg_stat_slru: " + slru);
            assertEquals(buffers, writesByPid.getOrDefault(done.get(0).pid(), 0L),
                    "the checkpointer's writes are pg_stat_bgwriter.buffers_checkpoint");
        }
    }

    /**
     * Who wrote what: with the background writer busy (10 ms rounds, up to 1,000 pages each) while a load larger
     * than shared_buffers runs, then a CHECKPOINT, the session's writes by the checkpointer and by the background
     * writer equal pg_stat_bgwriter's buffers_checkpoint and buffers_clean deltas exactly, and the checkpoint's
     * figure is the checkpointer's writes. Everything is clean before and after (a CHECKPOINT each side), so no
     * write falls between a counter read and the recording.
     */
    @Test
    void writesByProcessKindEqualPgStatBgwriter() throws Exception {
        sql("postgres", "ALTER SYSTEM SET bgwriter_delay = '10ms'", "ALTER SYSTEM SET bgwriter_lru_maxpages = 1000",
                "ALTER SYSTEM SET bgwriter_lru_multiplier = 10", "SELECT pg_reload_conf()",
                "CREATE TABLE bg_t (a int, b text)", "CHECKPOINT");
        try {
            Path session = tmp.resolve("writers");
            long[] before;
            long[] after;
            try (ToolProcess rec = startRecording(session, tmp.resolve("writers.log"))) {
                before = settledWriterCounters();
                // about 6,000 new pages through a pool of 2,048 buffers: victims are needed, dirty ones written
                sql("postgres", "INSERT INTO bg_t SELECT g, repeat('w', 300) FROM generate_series(1, 150000) g");
                sql("postgres", "CHECKPOINT");
                after = settledWriterCounters();
                assertEquals(0, rec.terminate(), rec.output());
            }
            JsonNode s = infoJson(session).get("session");
            JsonNode by = s.get("writesByProcess");
            long checkpointer = after[0] - before[0];
            long clean = after[1] - before[1];
            assertTrue(clean > 100, "the background writer was busy: buffers_clean grew by " + clean);
            assertEquals(checkpointer, by.path("checkpointer").asLong(), "checkpointer vs buffers_checkpoint: " + by);
            assertEquals(clean, by.path("background writer").asLong(), "background writer vs buffers_clean: " + by);
            Map<Integer, String> writers = new HashMap<>();
            try (SessionReader r = SessionReader.open(session)) {
                Map<Integer, String> titles = new HashMap<>();
                r.read(new io.pgbftrace.session.SessionVisitor() {
                    @Override
                    public void process(io.pgbftrace.session.ServerProcess p) {
                        titles.put(p.pid(), p.kind() + ": " + p.title());
                    }

                    @Override
                    public void event(io.pgbftrace.session.Event e) {
                        if (e.kind() == io.pgbftrace.session.EventKind.WRITE) {
                            writers.putIfAbsent(e.pid(), null);
                        }
                    }
                });
                writers.replaceAll((pid, none) -> titles.get(pid));
            }
            assertEquals(0, by.path("unknown").asLong() + by.path("other").asLong(), "every writer known: " + writers);
            JsonNode checkpoints = s.get("checkpoints");
            assertEquals(1, checkpoints.size(), checkpoints.toString());
            assertEquals(checkpointer, checkpoints.get(0).get("buffersWritten").asLong());
            assertTrue(checkpoints.get(0).get("why").asText().contains("requested"), checkpoints.toString());
        } finally {
            sql("postgres", "ALTER SYSTEM RESET bgwriter_delay", "ALTER SYSTEM RESET bgwriter_lru_maxpages",
                    "ALTER SYSTEM RESET bgwriter_lru_multiplier", "SELECT pg_reload_conf()", "DROP TABLE bg_t");
        }
    }

    /**
     * {buffers_checkpoint, buffers_clean} once they stop moving: the checkpointer and the background writer report
     * their counts a moment after they write.
     */
    static long[] settledWriterCounters() throws Exception {
        long[] last = null;
        long deadline = System.currentTimeMillis() + 20_000;
        int same = 0;
        while (System.currentTimeMillis() < deadline) {
            long[] now;
            try (Connection c = cluster.connect("postgres"); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT buffers_checkpoint, buffers_clean FROM pg_stat_bgwriter")) {
                rs.next();
                now = new long[]{rs.getLong(1), rs.getLong(2)};
            }
            same = last != null && java.util.Arrays.equals(last, now) ? same + 1 : 0;
            if (same >= 4) {
                return now;
            }
            last = now;
            Thread.sleep(250);
        }
        throw new AssertionError("pg_stat_bgwriter kept moving for 20 s: " + java.util.Arrays.toString(last));
    }

    /**
     * A temporary table that lives under a second (created, filled, scanned, updated, gone with its session) is
     * named, under its pg_temp_N schema: PostgreSQL's pg_filenode_relation never finds temporary relations, so the
     * look-up matches them in pg_class. (It was "relfilenode 5/1663/16929, kind unknown".)
     */
    @Test
    void aTemporaryTableThatLivedUnderASecondIsNamed() throws Exception {
        Path session = tmp.resolve("temp");
        try (ToolProcess rec = startRecording(session, tmp.resolve("temp.log"))) {
            sql("postgres", "CREATE TEMP TABLE brief_t (a int, b text)",
                    "INSERT INTO brief_t SELECT g, repeat('t', 100) FROM generate_series(1, 20000) g",
                    "SELECT count(*) FROM brief_t", "UPDATE brief_t SET a = a + 1 WHERE a % 10 = 0");
            Thread.sleep(1000); // its session ended: the table is gone
            assertEquals(0, rec.terminate(), rec.output());
        }
        JsonNode rows = infoJson(session).get("relations");
        JsonNode brief = null;
        List<String> unknown = new ArrayList<>();
        for (JsonNode r : rows) {
            if ("brief_t".equals(r.path("name").asText())) {
                brief = r;
            }
            if ("unknown".equals(r.get("kind").asText())) {
                unknown.add(r.get("qualifiedName").asText());
            }
        }
        assertEquals(List.of(), unknown, "every file named");
        assertTrue(brief != null, rows.toString());
        assertTrue(brief.get("schema").asText().startsWith("pg_temp_"), brief.toString());
        assertEquals("table", brief.get("kind").asText());
        assertTrue(brief.get("hits").asLong() > 20_000 && brief.get("extends").asLong() > 100, brief.toString());
    }

    /**
     * Every statement runs twice under EXPLAIN (ANALYZE, BUFFERS) on one connection; the second run, with the
     * backend's caches warm, must equal what {@code queries --json} gives that execution: shared hits = planning +
     * execution "shared hit", misses = "shared read", extends + writes = "shared written" (PostgreSQL 15 counts a
     * new block as written). Through psql's simple protocol and JDBC's extended one, a prepared statement included.
     */
    @Test
    void queriesEqualExplainAnalyzeBuffers() throws Exception {
        sql("postgres", "CREATE TABLE q_t (id int PRIMARY KEY, v text)",
                // 1,100 pages
                "INSERT INTO q_t SELECT g, repeat('q', 400) FROM generate_series(1, 20000) g",
                "CREATE TABLE q_u (id int PRIMARY KEY, w int)",
                "INSERT INTO q_u SELECT g, g % 7 FROM generate_series(1, 50000) g",
                "CREATE TABLE q_ins (id int, v text)", "VACUUM ANALYZE q_t, q_u", "CHECKPOINT");
        String explain = "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ";
        List<String> simple = List.of(
                "SELECT count(v) FROM q_t",
                "SELECT * FROM q_t WHERE id BETWEEN 100 AND 140",
                "SELECT sum(b.w + length(a.v)) FROM q_t a JOIN q_u b ON a.id = b.id WHERE a.id < 3000",
                "INSERT INTO q_ins SELECT g, repeat('i', 100) FROM generate_series(1, 5000) g");
        List<JsonNode> plans = new ArrayList<>();
        List<Integer> pids = new ArrayList<>();
        Path session = tmp.resolve("queries");
        try (ToolProcess rec = startRecording(session, tmp.resolve("queries.log"), "--mode", "events")) {
            try (Connection c = cluster.connect("postgres", Map.of("preferQueryMode", "simple"));
                 Statement st = c.createStatement()) {
                pids.add(backendPid(st));
                // the join in parallel: its workers' shares count for the statement, as EXPLAIN counts them
                st.execute("SET parallel_setup_cost = 0");
                st.execute("SET parallel_tuple_cost = 0");
                st.execute("SET min_parallel_table_scan_size = 0");
                for (String q : simple) {
                    for (int run = 0; run < 2; run++) {
                        try (ResultSet rs = st.executeQuery(explain + q)) {
                            rs.next();
                            plans.add(JSON.readTree(rs.getString(1)).get(0));
                        }
                    }
                }
            }
            try (Connection c = cluster.connect("postgres");
                 java.sql.PreparedStatement ps = c.prepareStatement(explain + "SELECT v FROM q_t WHERE id = ?")) {
                try (Statement st = c.createStatement()) {
                    pids.add(backendPid(st));
                }
                // pgjdbc prepares the statement on the server from the 5th run: later runs have no Parse
                for (int run = 0; run < 7; run++) {
                    ps.setInt(1, 1000 + run);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        plans.add(JSON.readTree(rs.getString(1)).get(0));
                    }
                }
            }
            Thread.sleep(1000); // bpftrace prints what it traced a moment later
            assertEquals(0, rec.terminate(), rec.output());
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertEquals(0, Main.execute(new String[]{"queries", session.toString(), "--json", "--by", "execution",
                "--top", "0"}, new PrintWriter(out), new PrintWriter(err), Map.of()), err.toString());
        JsonNode doc = JSON.readTree(out.toString());
        assertTrue(doc.get("endsMarked").asBoolean(), "the session marks statement ends");
        assertEquals(0, infoJson(session).get("session").get("lostEvents").asLong(), "lost events: no comparison");
        List<JsonNode> runs = new ArrayList<>();
        doc.get("executionRows").forEach(x -> {
            if (pids.contains(x.get("pid").asInt()) && x.get("text").asText().startsWith("EXPLAIN")) {
                runs.add(x);
            }
        });
        runs.sort(java.util.Comparator.comparingDouble(x -> x.get("startSeconds").asDouble()));
        assertEquals(plans.size(), runs.size(), "one execution per EXPLAIN: " + runs);
        int compared = 0;
        for (int i = 0; i < plans.size(); i++) {
            boolean warm = i < 2 * simple.size() ? i % 2 == 1 : i > 2 * simple.size();
            if (!warm) {
                continue;
            }
            JsonNode plan = plans.get(i).get("Plan");
            JsonNode planning = plans.get(i).path("Planning");
            JsonNode b = runs.get(i).get("buffers");
            String what = runs.get(i).get("text").asText() + " (run " + i + "): " + b + " vs " + plans.get(i);
            assertEquals(plan.get("Shared Hit Blocks").asLong() + planning.path("Shared Hit Blocks").asLong(),
                    b.get("hits").asLong(), "hits of " + what);
            assertEquals(plan.get("Shared Read Blocks").asLong() + planning.path("Shared Read Blocks").asLong(),
                    b.get("misses").asLong(), "misses of " + what);
            assertEquals(plan.get("Shared Written Blocks").asLong() + planning.path("Shared Written Blocks").asLong(),
                    b.get("extends").asLong() + b.get("writes").asLong(), "written of " + what);
            compared++;
        }
        assertEquals(4 + 6, compared);
        JsonNode seqScan = plans.get(1).get("Plan");
        assertTrue(seqScan.get("Shared Hit Blocks").asLong() + seqScan.get("Shared Read Blocks").asLong() > 1000,
                "the scan read the whole table: " + seqScan);
        assertTrue(plans.get(5).toString().matches(".*\"Workers Launched\":[1-9].*"),
                "the join ran in parallel: " + plans.get(5));
        assertTrue(plans.get(7).get("Plan").get("Shared Written Blocks").asLong() > 50, "the insert extended");
        assertEquals("SELECT v FROM q_t WHERE id = $1", runs.get(runs.size() - 1).get("text").asText()
                .substring(explain.length()), "a prepared statement's text is its own");
    }

    static int backendPid(Statement st) throws Exception {
        try (ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** {pg_stat_bgwriter.buffers_checkpoint, sum of pg_stat_slru.blks_written}. */
    static long[] checkpointCounters() throws Exception {
        try (Connection c = cluster.connect("postgres"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT (SELECT buffers_checkpoint FROM pg_stat_bgwriter),"
                     + " (SELECT sum(blks_written) FROM pg_stat_slru)")) {
            rs.next();
            return new long[]{rs.getLong(1), rs.getLong(2)};
        }
    }

    @Test
    void onlyTheConnectedClusterIsTracedAndMaxEventsStopsTheRecording() throws Exception {
        try (TestCluster other = TestCluster.start()) {
            try (Connection c = other.connect("postgres"); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE other_t AS SELECT generate_series(1, 20000) AS a");
            }
            Path session = tmp.resolve("isolated");
            try (ToolProcess rec = startRecording(session, tmp.resolve("isolated.log"), "--max-events", "3000")) {
                int otherPid;
                try (Connection c = other.connect("postgres"); Statement st = c.createStatement()) {
                    ResultSet rs = st.executeQuery("SELECT pg_backend_pid()");
                    rs.next();
                    otherPid = rs.getInt(1);
                    st.execute("SELECT count(*) FROM other_t"); // same binary, another postmaster: not traced
                }
                sql("postgres", "SELECT count(*) FROM big_t"); // more than 3,000 events: the recording stops itself
                assertTrue(rec.process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "stopped by --max-events");
                assertEquals(0, rec.process.exitValue(), rec.output());
                JsonNode s = infoJson(session).get("session");
                assertEquals("--max-events 3000 reached", s.get("stopReason").asText());
                assertEquals(3000, s.get("eventCounts").get("total").asLong() + s.get("recorderEventsHidden").asLong());
                try (SessionReader r = SessionReader.open(session)) {
                    List<Integer> pids = new ArrayList<>();
                    r.read(e -> pids.add(e.pid()));
                    assertFalse(pids.contains(otherPid), "events of the other cluster's backend");
                    assertTrue(r.relations().stream().noneMatch(x -> x.name().equals("other_t")));
                }
            }
        }
    }

    @Test
    void importTakesItsCatalogFromALiveServer() throws Exception {
        Path raw = tmp.resolve("raw.txt");
        long relfilenode;
        try (Connection c = cluster.connect("postgres"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT pg_relation_filenode('pre_t')")) {
            rs.next();
            relfilenode = rs.getLong(1);
        }
        Files.writeString(raw, String.format("%08x%08x%08x%n%08x%08x%08x%n", relfilenode, 0, 1, relfilenode, 1, 0));
        List<String> args = new ArrayList<>(List.of("import", raw.toString(), "--format", "pgbftrace", "--catalog", "db",
                "--out", tmp.resolve("imported").toString()));
        args.addAll(cluster.connectionArgs("postgres"));
        Cli r = Cli.run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        JsonNode pre = row(infoJson(tmp.resolve("imported")), "postgres", "public.pre_t");
        assertEquals(1, pre.get("hits").asLong());
        assertEquals(1, pre.get("misses").asLong());
    }

    @Test
    void aBinaryWithoutProbesIsRefusedBeforeAnythingIsWritten() {
        Path session = tmp.resolve("noprobes");
        java.util.List<String> args = new ArrayList<>(List.of("record", "--out", session.toString(),
                "--postgres-bin", "/bin/true"));
        args.addAll(cluster.connectionArgs("postgres"));
        Cli r = Cli.run(args.toArray(String[]::new));
        assertEquals(ExitCodes.FAILED, r.code());
        assertEquals("pgbftrace record: /bin/true has no USDT probes (built without --enable-dtrace), and uprobe"
                + " capture needs ReadBufferExtended, ReadBuffer_common, mdread, mdextend, which its symbol table does"
                + " not name (a stripped binary keeps only exported functions); use a build with USDT probes"
                + " (Debian's and Ubuntu's packages have them) or an unstripped one\n", r.err());
        assertFalse(Files.exists(session));
        // Debian's own binary keeps only its exported functions: uprobe capture names what it lacks
        List<String> uprobe = new ArrayList<>(List.of("record", "--out", session.toString(), "--method", "uprobe"));
        uprobe.addAll(cluster.connectionArgs("postgres"));
        Cli u = Cli.run(uprobe.toArray(String[]::new));
        assertEquals(ExitCodes.FAILED, u.code());
        assertTrue(u.err().startsWith("pgbftrace record: " + Prerequisites.PG_BIN.resolve("postgres")
                + ": uprobe capture needs ReadBuffer_common, which its symbol table does not name"), u.err());
        assertFalse(Files.exists(session));
    }

    /** Asserts each relation of pg_statio against the session; returns how many were compared. */
    private static int compare(JsonNode info, String db, Map<String, long[]> before, Map<String, long[]> after) {
        int n = 0;
        for (Map.Entry<String, long[]> e : after.entrySet()) {
            long[] b = before.getOrDefault(e.getKey(), new long[2]);
            long hits = e.getValue()[0] - b[0];
            long reads = e.getValue()[1] - b[1];
            JsonNode r = row(info, db, e.getKey().substring(0, e.getKey().indexOf('#')));
            long sessionHits = r == null ? 0 : r.get("hits").asLong();
            long sessionReads = r == null ? 0 : r.get("misses").asLong() + r.get("extends").asLong();
            assertEquals(hits, sessionHits, db + " " + e.getKey() + ": hits");
            assertEquals(reads, sessionReads, db + " " + e.getKey() + ": misses + extends vs _blks_read");
            n++;
        }
        return n;
    }

    private static JsonNode row(JsonNode info, String db, String qualifiedName) {
        for (JsonNode r : info.get("relations")) {
            if (db.equals(r.path("database").asText()) && qualifiedName.equals(r.get("qualifiedName").asText())) {
                return r;
            }
        }
        return null;
    }

    @Test
    void aKilledRecorderLeavesAReadableIncompleteSessionAndNoBpftrace() throws Exception {
        Path session = tmp.resolve("killed");
        try (ToolProcess rec = startRecording(session, tmp.resolve("killed.log"))) {
            sql("postgres", "SELECT count(*) FROM pre_t");
            // while it records, another process (this one) reads the session
            JsonNode live = infoJson(session);
            assertTrue(live.get("session").get("status").asText().startsWith("recording"), live.toPrettyString());
            Thread.sleep(2500); // a tick flushes the batch
            long pid = rec.process.pid();
            new ProcessBuilder("kill", "-9", Long.toString(pid)).start().waitFor();
            rec.process.waitFor();

            long deadline = System.currentTimeMillis() + 15_000;
            while (bpftraceFor(session) && System.currentTimeMillis() < deadline) {
                Thread.sleep(200);
            }
            assertFalse(bpftraceFor(session), "bpftrace outlived the recorder");

            JsonNode info = infoJson(session);
            JsonNode s = info.get("session");
            assertFalse(s.get("complete").asBoolean());
            assertTrue(s.get("status").asText().startsWith("incomplete"), s.toPrettyString());
            JsonNode pre = row(info, "postgres", "public.pre_t");
            assertTrue(pre.get("accesses").asLong() >= pre.get("sizeBlocks").asLong(),
                    "the scan's events reached the queue before the kill: " + pre);
            SessionMetadata m = SessionReader.readMetadata(session);
            assertEquals("recording", m.state);
            long bytes;
            try (Stream<Path> files = Files.walk(session)) {
                bytes = files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
            }
            assertTrue(bytes < 4 << 20, "a short session, even killed, is small: " + bytes);
        }
    }

    private static boolean bpftraceFor(Path session) throws Exception {
        Process p = new ProcessBuilder("pgrep", "-f", session.resolve("capture.bt").toString()).start();
        return p.waitFor() == 0;
    }
}
