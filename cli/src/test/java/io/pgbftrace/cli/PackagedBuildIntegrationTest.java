package io.pgbftrace.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgbftrace.capture.Processes;
import io.pgbftrace.demo.ThrowawayCluster;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The servers people run: Debian's own packages of PostgreSQL 17, 18 and 19 (built with --enable-dtrace, stripped,
 * as Ubuntu's and PGDG's are), each in a chroot of its suite, recorded from this machine through their USDT probes;
 * and servers in a PID namespace of their own, as in a container, recorded from outside it. Each session is held to
 * PostgreSQL's own counters: pg_statio for every user table and index, the backend's own I/O statistics for 18 and
 * 19's asynchronous reads, a warm EXPLAIN (ANALYZE, BUFFERS) for a statement of the extended protocol.
 */
class PackagedBuildIntegrationTest {
    @TempDir
    Path tmp;

    private static Map<String, String> settings(String build) {
        Map<String, String> settings = new HashMap<>(Map.of("shared_buffers", "16MB", "autovacuum", "off",
                "fsync", "off"));
        for (String setting : build.split(" ")) {
            if (setting.contains("=")) {
                settings.put(setting.substring(0, setting.indexOf('=')), setting.substring(setting.indexOf('=') + 1));
            }
        }
        return settings;
    }

    private static int major(String build) {
        return Integer.parseInt(build.split(" ")[0]);
    }

    @ParameterizedTest(name = "Debian's PostgreSQL {0}")
    @ValueSource(strings = {"17", "18 io_method=worker", "19 io_method=worker", "19 io_method=sync"})
    void aPackagedBuildIsRecordedThroughItsProbesAndEqualsPgStatio(String build) throws Exception {
        Prerequisites.requireTracing();
        Prerequisites.Packaged pkg = Prerequisites.packagedPostgres(major(build));
        Map<String, String> settings = settings(build);
        try (ThrowawayCluster pg = ThrowawayCluster.start(pkg.bin(), settings, pkg.chroot(), false)) {
            UprobeCaptureIntegrationTest.recordAndCompare(tmp, pg, major(build), settings, "usdt");
        }
    }

    @ParameterizedTest(name = "Debian's PostgreSQL {0}")
    @ValueSource(strings = {"17", "18", "19"})
    void countsPerSliceFromAPackagedBuildEqualPgStatio(String build) throws Exception {
        Prerequisites.requireTracing();
        Prerequisites.Packaged pkg = Prerequisites.packagedPostgres(major(build));
        try (ThrowawayCluster pg = ThrowawayCluster.start(pkg.bin(), settings(build), pkg.chroot(), false)) {
            UprobeCaptureIntegrationTest.aggregatedCompare(tmp, pg, major(build), "usdt");
        }
    }

    /**
     * pgbench -S with two clients at full speed, recorded in the default mode (a line per event, then counts per
     * slice once the rate stays high): nothing lost, and pgbench's tables and indexes equal pg_statio.
     */
    @ParameterizedTest(name = "Debian's PostgreSQL {0}")
    @ValueSource(strings = {"18", "19", "19 in its own PID namespace"})
    void pgbenchAtFullSpeedInTheDefaultModeLosesNothing(String build) throws Exception {
        Prerequisites.requireTracing();
        Prerequisites.Packaged pkg = Prerequisites.packagedPostgres(major(build));
        try (ThrowawayCluster pg = ThrowawayCluster.start(pkg.bin(), settings(build), pkg.chroot(),
                build.contains("namespace"))) {
            Processes.Result init = pg.client(Duration.ofMinutes(3), "pgbench", "-i", "-q", "-s", "5", "postgres");
            assertEquals(0, init.exitCode(), init.output());
            pg.restart();
            Map<String, long[]> before = UprobeCaptureIntegrationTest.statio(pg);
            Path session = tmp.resolve("session");
            List<String> args = new ArrayList<>(List.of("record", "--out", session.toString()));
            args.addAll(pg.connectionArgs("postgres"));
            try (ToolProcess rec = ToolProcess.startRecording(session, tmp.resolve("record.log"), args)) {
                Processes.Result bench = pg.client(Duration.ofMinutes(2), "pgbench", "-S", "-c", "2", "-j", "2",
                        "-T", "8", "postgres");
                assertEquals(0, bench.exitCode(), bench.output());
                Map<String, long[]> after = UprobeCaptureIntegrationTest.statio(pg);
                Thread.sleep(1000);
                assertEquals(0, rec.terminate(), rec.output());
                JsonNode info = RecordIntegrationTest.infoJson(session);
                JsonNode s = info.get("session");
                assertEquals("auto", s.get("bpftrace").get("output").asText());
                assertEquals("pins", s.get("bpftrace").get("outcomeMethod").asText());
                assertEquals(0, s.get("lostEvents").asLong(), "nothing lost: " + s.get("notes"));
                assertEquals(List.of(), UprobeCaptureIntegrationTest.statioMismatches(info, before, after,
                        major(build)));
                assertTrue(bench.output().contains("tps"), bench.output());
            }
        }
    }

    /**
     * A server in a PID namespace of its own (its postmaster is process 1 there, as in a container; pids inside
     * name other processes here) is found through the connection and recorded from outside: on this machine's
     * PostgreSQL 15 and on Debian's 18 in its chroot.
     */
    @ParameterizedTest(name = "PostgreSQL {0} in its own PID namespace")
    @ValueSource(strings = {"15", "18 io_method=worker"})
    void aServerInAContainerIsRecordedFromOutside(String build) throws Exception {
        Prerequisites.requireTracing();
        int major = major(build);
        Prerequisites.Packaged pkg = major == 15 ? new Prerequisites.Packaged(null, Prerequisites.PG_BIN)
                : Prerequisites.packagedPostgres(major);
        Map<String, String> settings = settings(build);
        try (ThrowawayCluster pg = ThrowawayCluster.start(pkg.bin(), settings, pkg.chroot(), true)) {
            UprobeCaptureIntegrationTest.recordAndCompare(tmp, pg, major, settings, "auto");
            JsonNode container = RecordIntegrationTest.infoJson(tmp.resolve("session")).get("session")
                    .get("postgres").get("container");
            assertTrue(container != null, "the session names the container's view");
            assertEquals(1, container.get("postmasterPid").asInt(), container.toString());
            assertTrue(container.get("pidNamespace").asText().startsWith("pid:["), container.toString());
            assertEquals(pkg.bin().resolve("postgres").toString(), container.get("binary").asText());
        }
    }
}
