package io.pgbftrace.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgbftrace.capture.Processes;
import io.pgbftrace.demo.ThrowawayCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The what-if model against a real workload that does not fit: pgbench -S at scale 10 (about 150 MB) on
 * shared_buffers 16MB, recorded with real bpftrace. Replayed at 16MB the model's misses must land within 10% of
 * the recorded ones, in total and for pgbench_accounts and its index; and more memory must mean fewer misses.
 */
class WhatifValidationTest {
    @TempDir
    Path tmp;

    @Test
    void pgbenchSelectOnlyAtTheRecordedSizeIsWithinTenPercent() throws Exception {
        Prerequisites.requireTracing();
        try (ThrowawayCluster cluster = ThrowawayCluster.start(Prerequisites.PG_BIN, Map.of("shared_buffers",
                "16MB", "autovacuum", "off", "fsync", "off"))) {
            List<String> conn = cluster.connectionArgs("postgres");
            List<String> base = new ArrayList<>(conn.subList(0, conn.size() - 2));
            Processes.Result init = Processes.run(pgbench(base, "-i", "-s", "10", "-q"), Duration.ofMinutes(3));
            assertEquals(0, init.exitCode(), init.output());
            Path session = tmp.resolve("pgbench");
            List<String> args = new ArrayList<>(List.of("record", "--out", session.toString(), "--mode", "events"));
            args.addAll(conn);
            try (ToolProcess rec = ToolProcess.startRecording(session, tmp.resolve("record.log"), args)) {
                Processes.Result bench = Processes.run(pgbench(base, "-S", "-c", "2", "-j", "2", "-T", "8", "-R",
                        "2500", "-n"), Duration.ofMinutes(2));
                assertEquals(0, bench.exitCode(), bench.output());
                assertEquals(0, rec.terminate(), rec.output());
            }
            Cli info = Cli.run("info", session.toString(), "--json");
            assertEquals(0, new ObjectMapper().readTree(info.out()).at("/session/lostEvents").asLong(),
                    "a session with lost events says nothing about the model");
            Cli r = Cli.run("whatif", session.toString(), "--shared-buffers", "8MB,64MB,256MB", "--json");
            assertEquals(ExitCodes.OK, r.code(), r.err());
            JsonNode doc = new ObjectMapper().readTree(r.out());
            System.out.println(WhatifCommandTest.within10Percent(doc, "pgbench -S, scale 10, 16MB"));
            List<String> busy = new ArrayList<>();
            doc.at("/recorded/relations").forEach(x -> busy.add(x.get("relation").asText()));
            assertTrue(busy.containsAll(List.of("public.pgbench_accounts", "public.pgbench_accounts_pkey")), busy.toString());
            long recorded = doc.at("/recorded/misses").asLong();
            assertTrue(recorded > 10_000, "the workload does not fit: " + recorded + " misses");
            long m8 = doc.at("/sizes/0/misses").asLong();
            long m64 = doc.at("/sizes/1/misses").asLong();
            long m256 = doc.at("/sizes/2/misses").asLong();
            assertTrue(m8 > recorded && recorded > m64 && m64 > m256, m8 + " > " + recorded + " > " + m64 + " > " + m256);
        }
    }

    private static List<String> pgbench(List<String> base, String... options) {
        List<String> cmd = new ArrayList<>(List.of(Prerequisites.PG_BIN.resolve("pgbench").toString()));
        cmd.addAll(List.of(options));
        cmd.addAll(base);
        cmd.add("postgres");
        return cmd;
    }
}
