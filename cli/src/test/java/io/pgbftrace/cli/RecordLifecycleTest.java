package io.pgbftrace.cli;

import io.pgbftrace.demo.ThrowawayCluster;
import io.pgbftrace.session.SessionReader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ways a recording used to lose or destroy data, each on a real cluster with real bpftrace: --force onto a
 * live recording, --force with a start that fails, a server restart, a disk that fills up.
 */
class RecordLifecycleTest {
    private static ThrowawayCluster cluster;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() throws Exception {
        Prerequisites.requireTracing();
        cluster = ThrowawayCluster.start(Prerequisites.PG_BIN, Map.of("shared_buffers", "16MB", "autovacuum", "off",
                "fsync", "off"));
        try (Connection c = cluster.settings("postgres").connect(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE load_t (a int, b text)");
            st.execute("INSERT INTO load_t SELECT g, repeat('x', 500) FROM generate_series(1, 20000) g");
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    private List<String> recordArgs(Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("record", "--out", out.toString()));
        args.addAll(cluster.connectionArgs("postgres"));
        args.addAll(List.of(extra));
        return args;
    }

    private ToolProcess startRecording(Path out, String... extra) throws Exception {
        return ToolProcess.startRecording(out, tmp.resolve("record-" + out.getFileName() + ".log"),
                recordArgs(out, extra));
    }

    private static void load(int scans) throws Exception {
        try (Connection c = cluster.settings("postgres").connect(); Statement st = c.createStatement()) {
            for (int i = 0; i < scans; i++) {
                st.execute("SELECT count(*) FROM load_t");
            }
        }
    }

    @Test
    void forceNeverReplacesALiveRecording() throws Exception {
        Path s = tmp.resolve("live");
        try (ToolProcess first = startRecording(s)) {
            load(2);
            Cli second = Cli.run(recordArgs(s, "--force").toArray(String[]::new));
            assertEquals(ExitCodes.USAGE, second.code(), second.err());
            assertTrue(second.firstErr().contains("is being recorded right now"), second.err());
            assertEquals(0, first.terminate(), first.output());
        }
        Cli info = Cli.run("info", s.toString());
        assertEquals(0, info.code(), info.err());
        assertTrue(info.out().contains("status      complete"), info.out());
        assertTrue(info.out().contains("load_t"), info.out());
    }

    @Test
    void aForcedRecordingThatCannotStartKeepsTheEarlierSession() throws Exception {
        Path s = tmp.resolve("old");
        try (ToolProcess first = startRecording(s)) {
            load(1);
            assertEquals(0, first.terminate(), first.output());
        }
        String before = Cli.run("info", s.toString(), "--json").out();
        long events = InfoCommandTest.totalEvents(before);
        assertTrue(events > 0);
        // a server that is not there: the old code had emptied the folder before it found out
        List<String> args = new ArrayList<>(List.of("record", "--out", s.toString(), "--force", "-h", "/tmp",
                "-p", "1", "-U", "postgres", "-d", "postgres"));
        Cli r = Cli.run(args.toArray(String[]::new));
        assertEquals(1, r.code(), r.err());
        assertEquals(events, InfoCommandTest.totalEvents(Cli.run("info", s.toString(), "--json").out()));
        // bpftrace that cannot start: the folder was already swapped, and must come back
        Path fake = Files.createDirectories(tmp.resolve("bin"));
        Path bpftrace = Files.writeString(fake.resolve("bpftrace"), "#!/bin/sh\necho 'ERROR: no probes today' >&2\n"
                + "exit 1\n");
        bpftrace.toFile().setExecutable(true);
        r = Cli.run(Map.of("PATH", fake + ":" + System.getenv("PATH")), recordArgs(s, "--force").toArray(String[]::new));
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("earlier session in " + s + " is unchanged"), r.err());
        assertEquals(events, InfoCommandTest.totalEvents(Cli.run("info", s.toString(), "--json").out()));
        try (var list = Files.list(tmp)) {
            assertTrue(list.noneMatch(p -> p.getFileName().toString().contains(".replaced-")), "nothing left aside");
        }
    }

    @Test
    void aServerRestartEndsTheRecordingWithThatReason() throws Exception {
        Path s = tmp.resolve("restart");
        try (ToolProcess rec = startRecording(s)) {
            load(1);
            cluster.restart();
            assertTrue(rec.process.waitFor(30, TimeUnit.SECONDS), "record noticed the restart:\n" + rec.output());
            assertEquals(1, rec.process.exitValue(), rec.output());
            assertTrue(rec.output().contains("stopped or restarted"), rec.output());
        }
        Cli info = Cli.run("info", s.toString());
        assertEquals(0, info.code(), info.err());
        assertTrue(info.out().contains("failed: the PostgreSQL server stopped or restarted"), info.out());
        assertTrue(info.out().contains("load_t"), "the events before the restart are kept:\n" + info.out());
    }

    @Test
    void aDiskFillingUpWhileRecordingStopsCleanlyAndKeepsTheSession() throws Exception {
        Path disk = Files.createDirectory(tmp.resolve("disk"));
        Process m = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", disk.toString()).start();
        Prerequisites.require(m.waitFor() == 0, "mounting a small tmpfs for the full-disk test failed");
        try {
            Path s = disk.resolve("s");
            try (ToolProcess rec = startRecording(s)) {
                long deadline = System.currentTimeMillis() + 120_000;
                while (rec.process.isAlive() && System.currentTimeMillis() < deadline) {
                    load(5); // 20,000 rows, about 1,400 blocks a scan
                }
                assertTrue(rec.process.waitFor(30, TimeUnit.SECONDS), "record stopped by itself:\n" + rec.output());
                assertEquals(1, rec.process.exitValue(), rec.output());
                assertTrue(rec.output().contains("is full"), rec.output());
                assertTrue(rec.output().lines().noneMatch(l -> l.contains("Exception") || l.startsWith("\tat ")),
                        rec.output());
            }
            Cli info = Cli.run("info", s.toString(), "--json");
            assertEquals(0, info.code(), info.err());
            assertTrue(info.out().contains("\"status\" : \"failed: "), info.out());
            assertTrue(InfoCommandTest.totalEvents(info.out()) > 10_000, info.out());
        } finally {
            new ProcessBuilder("umount", "-l", disk.toString()).start().waitFor();
        }
    }

    @Test
    void killMinus9KeepsEveryEventTheProgressLineHadShown() throws Exception {
        // before, up to a second of events (and a whole 8,192-event batch) lived only in memory: the session
        // held 51,254 events after the progress line had shown 51,370
        Path s = tmp.resolve("killed");
        ToolProcess rec = startRecording(s);
        Thread loader = new Thread(() -> {
            try {
                while (rec.process.isAlive()) {
                    load(1);
                }
            } catch (Exception ignored) {
                // the test ends it
            }
        });
        loader.start();
        Thread.sleep(3500);
        long shown = rec.output().lines().filter(l -> l.startsWith("recording ") && l.contains(" events "))
                .map(l -> l.replaceAll(".* events ([0-9,]+) .*", "$1").replace(",", ""))
                .mapToLong(Long::parseLong).max().orElse(0);
        long pid = rec.process.pid();
        assertEquals(0, new ProcessBuilder("kill", "-9", Long.toString(pid)).start().waitFor());
        assertTrue(rec.process.waitFor(10, TimeUnit.SECONDS));
        loader.join(30_000);
        Cli info = Cli.run("info", s.toString(), "--json");
        assertEquals(0, info.code(), info.err());
        long kept = InfoCommandTest.totalEvents(info.out());
        System.out.printf("kill -9 after 3.5 s: the progress line had shown %,d events, the session kept %,d%n", shown, kept);
        assertTrue(shown > 0, rec.output());
        assertTrue(kept >= shown, "kept " + kept + " of the " + shown + " events the progress line had shown");
        assertTrue(info.out().contains("incomplete"), info.out());
    }
}
