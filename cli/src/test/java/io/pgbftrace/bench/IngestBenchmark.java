package io.pgbftrace.bench;

import io.pgbftrace.cli.Main;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Measures {@code import --format pgbftrace} and {@code report} on the original tool's trace format: 20M lines
 * (50 files, random blocks 0-199,999, a hit flag). Not part of the test run; run it with:
 * <pre>
 * mvn -pl cli test -Dbench.exclude=none -Dtest=IngestBenchmark [-Dbench.lines=20000000]
 * </pre>
 * Whole-process figures: {@code ./pgbftrace import target/bench/original-20000000.txt --format pgbftrace --out S}
 * under {@code /usr/bin/time}. It prints its figures and writes them to target/bench/ingest.txt; it asserts
 * nothing about time.
 */
@Tag("benchmark")
class IngestBenchmark {
    private final List<String> lines = new ArrayList<>();

    private void say(String format, Object... args) {
        String line = String.format(Locale.ROOT, format, args);
        System.out.println("[bench] " + line);
        lines.add(line);
    }

    @Test
    void measure() throws Exception {
        long n = Long.getLong("bench.lines", 20_000_000L);
        Path root = Path.of("target", "bench");
        Files.createDirectories(root);
        Path trace = root.resolve("original-" + n + ".txt");
        if (!Files.exists(trace)) {
            write(trace, n);
        }
        say("machine: %d cores, java %s; input %s, %,d bytes", Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"), trace, Files.size(trace));
        for (int round = 0; round < 3; round++) {
            Path session = root.resolve("ingest-" + round);
            long t0 = System.nanoTime();
            run("import", trace.toString(), "--format", "pgbftrace", "--out", session.toString(), "--force");
            double s = (System.nanoTime() - t0) / 1e9;
            say("import round %d: %,d events in %.2f s = %,.0f events/s (in this JVM, warm from round 1 on)",
                    round, n, s, n / s);
            Path report = root.resolve("ingest-" + round + ".html");
            Files.deleteIfExists(report);
            t0 = System.nanoTime();
            run("report", session.toString(), "-o", report.toString());
            s = (System.nanoTime() - t0) / 1e9;
            say("report round %d: %.2f s = %,.0f events/s, %,d bytes", round, s, n / s, Files.size(report));
        }
        Files.write(root.resolve("ingest.txt"), lines, StandardCharsets.UTF_8);
    }

    private static void run(String... args) {
        StringWriter err = new StringWriter();
        int code = Main.execute(args, new PrintWriter(new StringWriter()), new PrintWriter(err), Map.of());
        if (code != 0) {
            throw new AssertionError(String.join(" ", args) + ": " + err);
        }
    }

    /** The original tool's lines: %08x%08x%08x = relfilenode, block, hit. */
    static void write(Path file, long n) throws Exception {
        SplittableRandom random = new SplittableRandom(42);
        byte[] hex = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
        byte[] line = new byte[25];
        line[24] = '\n';
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            for (long i = 0; i < n; i++) {
                long[] v = {16384 + random.nextInt(50), random.nextInt(200_000), random.nextInt(10) < 8 ? 1 : 0};
                for (int f = 0; f < 3; f++) {
                    for (int d = 0; d < 8; d++) {
                        line[f * 8 + d] = hex[(int) (v[f] >>> (28 - 4 * d)) & 0xf];
                    }
                }
                out.write(line);
            }
        }
    }
}
