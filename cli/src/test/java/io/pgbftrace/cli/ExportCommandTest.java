package io.pgbftrace.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Exports read back by a real reader (DuckDB): the same rows in every format, the counts info gives. */
class ExportCommandTest {
    private static final Path SAMPLE = SamplesTest.SAMPLES.resolve("hot-update").resolve("session");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private Path export(String format, String table) {
        return export(SAMPLE, format, table);
    }

    private Path export(Path session, String format, String table) {
        Path out = tmp.resolve(session.getParent().getFileName() + "-" + table + "." + format);
        Cli r = Cli.run("export", session.toString(), "--format", format, "--table", table, "-o", out.toString());
        assertEquals(ExitCodes.OK, r.code(), r.err());
        assertTrue(r.out().startsWith("wrote "), r.out());
        return out;
    }

    private static String reader(Path file) {
        String f = file.toString().replace("'", "''");
        return file.toString().endsWith(".csv") ? "read_csv('" + f + "', header = true)"
                : file.toString().endsWith(".jsonl") ? "read_json('" + f + "', format = 'newline_delimited')"
                : "read_parquet('" + f + "')";
    }

    @Test
    void theRecordersOwnBackendsAreHiddenAsInInfo() throws Exception {
        Path s = SamplesTest.SAMPLES.resolve("create-index").resolve("session");
        JsonNode hidden = JSON.readTree(Cli.run("info", s.toString(), "--json").out()).get("session");
        JsonNode all = JSON.readTree(Cli.run("info", s.toString(), "--json", "--include-recorder").out())
                .get("session");
        assertTrue(hidden.get("recorderEventsHidden").asLong() > 0, "the sample has recorder events to hide");
        Path out = tmp.resolve("hidden.csv");
        Cli r = Cli.run("export", s.toString(), "--format", "csv", "-o", out.toString());
        assertEquals(ExitCodes.OK, r.code(), r.err());
        List<String> lines = Files.readAllLines(out);
        assertEquals(hidden.get("eventCounts").get("total").asLong(), lines.size() - 1L, "rows as info counts them");
        for (JsonNode pid : hidden.get("recorderBackendPids")) {
            assertTrue(lines.stream().noneMatch(l -> l.split(",")[2].equals(pid.asText())), "no row of " + pid);
        }
        r = Cli.run("export", s.toString(), "--format", "csv", "--include-recorder", "-o", out.toString());
        assertEquals(ExitCodes.OK, r.code(), r.err());
        assertEquals(all.get("eventCounts").get("total").asLong(), Files.readAllLines(out).size() - 1L,
                "with --include-recorder, every event");
    }

    @Test
    void everyFormatHoldsEveryEventWithTheCountsInfoGives() throws Exception {
        JsonNode info = JSON.readTree(Cli.run("info", SAMPLE.toString(), "--json").out());
        long total = info.get("session").get("eventCounts").get("total").asLong();
        // relation -> {hits, misses, extends, kernel reads, writes}, from info
        Map<String, List<Long>> expected = new TreeMap<>();
        for (JsonNode r : info.get("relations")) {
            expected.put(r.get("database").asText("") + "." + r.get("qualifiedName").asText(), List.of(
                    r.get("hits").asLong(), r.get("misses").asLong(), r.get("extends").asLong(),
                    r.get("kernelReads").asLong(), r.get("writes").asLong()));
        }
        expected.values().removeIf(v -> v.stream().allMatch(n -> n == 0));
        Map<String, Object> firstRows = new HashMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement()) {
            for (String format : List.of("csv", "jsonl", "parquet")) {
                String from = reader(export(format, "events"));
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM " + from)) {
                    rs.next();
                    assertEquals(total, rs.getLong(1), format);
                }
                Map<String, List<Long>> counted = new TreeMap<>();
                try (ResultSet rs = st.executeQuery("SELECT coalesce(database, '') || '.' || schema || '.' || relation,"
                        + " count(*) FILTER (event = 'hit'), count(*) FILTER (event = 'miss'),"
                        + " count(*) FILTER (event = 'extend'), count(*) FILTER (event = 'read'),"
                        + " count(*) FILTER (event = 'write') FROM " + from
                        + " WHERE relation IS NOT NULL GROUP BY ALL")) {
                    while (rs.next()) {
                        counted.put(rs.getString(1), List.of(rs.getLong(2), rs.getLong(3), rs.getLong(4),
                                rs.getLong(5), rs.getLong(6)));
                    }
                }
                assertEquals(expected, counted, format);
                // the same rows in every format: compare a digest of the whole table
                try (ResultSet rs = st.executeQuery("SELECT sum(hash(time_ns, event, pid, database, schema, relation,"
                        + " relation_kind, fork, block, relfilenode, query_id, latency_ns)), count(DISTINCT query_id)"
                        + " FROM " + from)) {
                    rs.next();
                    firstRows.merge("digest", rs.getObject(1).toString(), (a, b) -> {
                        assertEquals(a, b, format + " holds other rows than csv");
                        return a;
                    });
                    assertTrue(rs.getLong(2) > 0, "events name their statement");
                }
            }
        }
    }

    @Test
    void parquetHasTypedColumnsAndTheOtherTables() throws Exception {
        Path events = export("parquet", "events");
        // seqscan-async was recorded by a version that marks statement ends
        Path queries = export(SamplesTest.SAMPLES.resolve("seqscan-async").resolve("session"), "parquet", "queries");
        Path relations = export("parquet", "relations");
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement()) {
            Map<String, String> types = new LinkedHashMap<>();
            try (ResultSet rs = st.executeQuery("DESCRIBE SELECT * FROM " + reader(events))) {
                while (rs.next()) {
                    types.put(rs.getString("column_name"), rs.getString("column_type"));
                }
            }
            Map<String, String> declared = new LinkedHashMap<>();
            SessionExport.EVENTS.forEach(col -> declared.put(col.name(), col.type()));
            assertEquals(declared, types);
            try (ResultSet rs = st.executeQuery("SELECT count(*), count(end_ns), min(text) FROM " + reader(queries))) {
                rs.next();
                assertTrue(rs.getLong(1) > 0);
                assertEquals(rs.getLong(1), rs.getLong(2), "this session marks each statement's end");
            }
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM " + reader(relations)
                    + " WHERE relation = 'hot' AND schema = 'public' AND relation_kind = 'table'")) {
                rs.next();
                assertTrue(rs.getLong(1) >= 1);
            }
        }
    }

    @Test
    void csvQuotesWhatNeedsQuotingAndStdoutGetsOnlyTheRows() throws Exception {
        // the recorder's own catalog look-ups are statements with commas (SELECT a, b, ...)
        Path createIndex = SamplesTest.SAMPLES.resolve("create-index").resolve("session");
        Cli r = Cli.run("export", createIndex.toString(), "--format", "csv", "--table", "queries", "-o", "-",
                "--include-recorder");
        assertEquals(ExitCodes.OK, r.code(), r.err());
        assertTrue(r.out().startsWith("query_id,pid,start_ns,end_ns,text\n"), r.out());
        assertTrue(r.err().startsWith("wrote "), "the summary goes to standard error: " + r.err());
        Path csv = tmp.resolve("q.csv");
        Files.writeString(csv, r.out());
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM " + reader(csv) + " WHERE text LIKE '%,%'")) {
            rs.next();
            assertTrue(rs.getLong(1) > 0, "texts with commas read back whole");
        }
    }

    @Test
    void badOutputsAreUsageErrorsAndNothingIsWritten() throws Exception {
        Cli r = Cli.run("export", SAMPLE.toString(), "--format", "parquet", "-o", "-");
        assertEquals(ExitCodes.USAGE, r.code());
        assertEquals("pgbftrace export: -o - is not possible for parquet: give a file name\n", r.firstErr());
        r = Cli.run("export", SAMPLE.toString(), "--format", "xml");
        assertEquals(ExitCodes.USAGE, r.code());
        Path inside = SAMPLE.resolve("x.csv");
        r = Cli.run("export", SAMPLE.toString(), "--format", "csv", "-o", inside.toString());
        assertEquals(ExitCodes.USAGE, r.code());
        assertFalse(Files.exists(inside));
    }
}
