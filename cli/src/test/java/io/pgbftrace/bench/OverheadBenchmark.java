package io.pgbftrace.bench;

import io.pgbftrace.demo.ThrowawayCluster;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What tracing costs a busy server: pgbench -S -c 2 -j 2 (scale 20, shared_buffers 256MB) on a throwaway Debian
 * PostgreSQL 15 cluster (USDT probes), with each way of tracing it in turn, alternating, two rounds, medians. Needs
 * root and bpftrace, like record. Each recording sees 4 s of the load before it is measured (its JIT warm-up). Not
 * part of the test run; run it from the repository's root with:
 * <pre>
 * mvn -o install -DskipTests && mvn -pl cli test -Dbench.exclude=none -Dtest=OverheadBenchmark
 * </pre>
 * {@code -Dbench.postgres=17}, {@code 18} or {@code 19} measures Debian's packaged build of that version instead, in
 * the chroot run-tests made for it ($PGBFTRACE_PACKAGED_PG).
 * It prints its figures and writes them to cli/target/bench/overhead.txt; it asserts nothing about time.
 */
@Tag("benchmark")
class OverheadBenchmark {
    private static final int MAJOR = Integer.getInteger("bench.postgres", 15);
    private static final Path PG_BIN = Path.of("/usr/lib/postgresql/" + MAJOR + "/bin");
    /** Debian's packages of 17 (trixie), 18 and 19 (sid) run in a chroot of their suite; 15 is this machine's. */
    private static final Path CHROOT = MAJOR == 15 ? null : Path.of(System.getenv().getOrDefault(
            "PGBFTRACE_PACKAGED_PG", "/var/cache/pgbftrace/packaged-postgres"), MAJOR == 17 ? "trixie" : "sid");
    private static final Path TOOL = Path.of("..", "pgbftrace").toAbsolutePath().normalize();
    private static final int SECONDS = Integer.getInteger("bench.seconds", 10);
    private static final int ROUNDS = Integer.getInteger("bench.rounds", 2);
    private static final int WARM_UP_SECONDS = 4;
    private static final Pattern TPS = Pattern.compile("tps = ([0-9.]+) \\(without initial connection time\\)");
    private static final Pattern LOST = Pattern.compile("\"lostEvents\" *: *(\\d+)");
    private static final Pattern EVENTS = Pattern.compile("recorded ([0-9,]+) events");

    private final List<String> lines = new ArrayList<>();
    private Path root;
    private ThrowawayCluster pg;

    private void say(String format, Object... args) {
        String line = String.format(Locale.ROOT, format, args);
        System.out.println("[bench] " + line);
        lines.add(line);
    }

    /** One measurement: pgbench's tps, the events the tracer lost, and the events it recorded (or -1). */
    private record Run(double tps, long lost, long events) {
    }

    @Test
    void measure() throws Exception {
        root = Path.of("target", "bench").toAbsolutePath();
        Files.createDirectories(root);
        try (ThrowawayCluster cluster = ThrowawayCluster.start(PG_BIN, Map.of("shared_buffers", "256MB",
                "autovacuum", "off", "max_connections", "20"), CHROOT, false)) {
            pg = cluster;
            check(run(pgbench("-i", "-s", "20", "-q")), "pgbench -i");
            Path script = captureScripts();
            say("machine: %d cores; pgbench -S -c 2 -j 2 -T %d, scale 20, shared_buffers 256MB, PostgreSQL %d (%s,"
                    + " USDT)", Runtime.getRuntime().availableProcessors(), SECONDS, MAJOR, CHROOT == null
                    ? "this machine's package" : "Debian's package in " + CHROOT);
            Map<String, List<Run>> runs = new LinkedHashMap<>();
            List<String> modes = List.of("no tracing", "record --mode events", "bare bpftrace > /dev/null",
                    "count-only floor", "record --aggregate 100ms", "bare bpftrace, aggregated > /dev/null",
                    "record --mode auto");
            for (int round = 0; round < ROUNDS; round++) {
                for (String mode : modes) {
                    Run r = measure(mode, script, List.of(), true);
                    runs.computeIfAbsent(mode, k -> new ArrayList<>()).add(r);
                    say("round %d  %-38s %,9.0f tps  lost %,d", round, mode, r.tps(), r.lost());
                }
            }
            double base = median(runs.get("no tracing"));
            double bare = median(runs.get("bare bpftrace > /dev/null"));
            double floor = median(runs.get("count-only floor"));
            say("");
            say("| mode | tps (median) | vs no tracing | lost events |");
            say("| --- | --- | --- | --- |");
            for (String mode : modes) {
                double tps = median(runs.get(mode));
                say("| %s | %,.0f | %.2f | %s |", mode, tps, tps / base,
                        runs.get(mode).stream().map(r -> r.lost() < 0 ? "-" : String.format(Locale.ROOT, "%,d",
                                r.lost())).toList());
            }
            say("record --mode events / bare bpftrace: %.2f", median(runs.get("record --mode events")) / bare);
            say("record --aggregate / count-only floor: %.2f", median(runs.get("record --aggregate 100ms")) / floor);
            say("record --aggregate / its script run by bare bpftrace: %.2f", median(runs.get(
                    "record --aggregate 100ms")) / median(runs.get("bare bpftrace, aggregated > /dev/null")));
            say("");
            say("per-event output at a given rate (pgbench -R, record --mode events):");
            for (int rate : new int[]{1000, 2000, 4000, 8000, 0}) {
                Run r = measure("record --mode events", script, rate == 0 ? List.of() : List.of("-R",
                        Integer.toString(rate)), false);
                say("  %-10s %,9.0f tps  %,9.0f events/s  lost %,d", rate == 0 ? "unlimited" : "-R " + rate,
                        r.tps(), r.events() / (double) SECONDS, r.lost());
            }
        }
        Files.write(root.resolve("overhead.txt"), lines);
    }

    /**
     * Records a moment in events mode and one in aggregate mode for their capture.bt; writes the count-only floor's
     * variant of the first.
     */
    private Path captureScripts() throws Exception {
        Path aggregated = root.resolve("overhead-script-aggregated");
        Process rec = record(aggregated, List.of("--aggregate", "100ms"));
        Thread.sleep(1000);
        stop(rec);
        Files.copy(aggregated.resolve("capture.bt"), root.resolve("aggregated.bt"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Path session = root.resolve("overhead-script");
        rec = record(session, List.of("--mode", "events"));
        Thread.sleep(1000);
        stop(rec);
        String events = Files.readString(session.resolve("capture.bt"));
        // every line an event prints becomes a count in a map: the same probes, no output
        String floor = events.replaceAll("(?m)^(\\s*)printf\\(\"[AEKWQqCcXYLl] .*$", "$1@floor = count();");
        Files.writeString(root.resolve("floor.bt"), floor);
        return session.resolve("capture.bt");
    }

    /**
     * @param warm record: let the recorder see {@link #WARM_UP_SECONDS} of the load before measuring, so that its
     *             just-in-time compilation (about a second of CPU in its first seconds of events) is not counted
     *             against a recording of minutes; its events are then not counted either
     */
    private Run measure(String mode, Path script, List<String> pgbenchOptions, boolean warm) throws Exception {
        List<String> bench = new ArrayList<>(List.of("-S", "-c", "2", "-j", "2", "-T", Integer.toString(SECONDS),
                "-n"));
        bench.addAll(pgbenchOptions);
        if (mode.equals("no tracing")) {
            return new Run(tps(run(pgbench(bench.toArray(String[]::new)))), -1, -1);
        }
        if (mode.startsWith("bare") || mode.startsWith("count")) {
            Path s = mode.startsWith("count") ? root.resolve("floor.bt")
                    : mode.contains("aggregated") ? root.resolve("aggregated.bt") : script;
            Path err = root.resolve("bpftrace.err");
            ProcessBuilder pb = new ProcessBuilder("bpftrace", s.toString())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(err.toFile());
            pb.environment().put("BPFTRACE_STRLEN", "200");
            pb.environment().put("BPFTRACE_PERF_RB_PAGES", "1024");
            pb.environment().put("BPFTRACE_MAP_KEYS_MAX", "65536");
            Process p = pb.start();
            Thread.sleep(4000); // attached by then
            double tps = tps(run(pgbench(bench.toArray(String[]::new))));
            stop(p);
            long lost = 0;
            for (String l : Files.readAllLines(err)) {
                Matcher m = Pattern.compile("^Lost (\\d+) events").matcher(l);
                lost += m.find() ? Long.parseLong(m.group(1)) : 0;
            }
            return new Run(tps, lost, -1);
        }
        Path session = root.resolve("overhead-session");
        List<String> options = new ArrayList<>(List.of(mode.substring("record ".length()).split(" ")));
        Process rec = record(session, options);
        if (warm) {
            check(run(pgbench("-S", "-c", "2", "-j", "2", "-T", Integer.toString(WARM_UP_SECONDS), "-n")),
                    "warm-up");
        }
        double tps = tps(run(pgbench(bench.toArray(String[]::new))));
        String out = stop(rec);
        Matcher lost = LOST.matcher(Files.readString(session.resolve("session.json")));
        Matcher events = EVENTS.matcher(out);
        return new Run(tps, lost.find() ? Long.parseLong(lost.group(1)) : -1,
                !warm && events.find() ? Long.parseLong(events.group(1).replace(",", "")) : -1);
    }

    /** Starts {@code pgbftrace record} (its own process, as users run it) and waits until it records. */
    private Process record(Path session, List<String> options) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(TOOL.toString(), "record", "--out", session.toString(),
                "--force"));
        cmd.addAll(pg.connectionArgs("postgres"));
        cmd.addAll(options);
        Path log = root.resolve("record.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.currentTimeMillis() + 60_000;
        while (!Files.readString(log).contains("Ctrl-C stops")) {
            if (!p.isAlive() || System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("record did not start: " + Files.readString(log));
            }
            Thread.sleep(100);
        }
        return p;
    }

    /** SIGTERM, as a script stops a background recording; returns what it printed. */
    private String stop(Process p) throws Exception {
        p.destroy();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("did not stop");
        }
        Path log = root.resolve("record.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    private List<String> pgbench(String... options) {
        List<String> cmd = new ArrayList<>(List.of(options));
        cmd.add("postgres"); // its -d means --debug: the database goes last
        return pg.clientCommand("pgbench", cmd.toArray(String[]::new));
    }

    private static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return out;
    }

    private static void check(String out, String what) {
        if (out.contains("error") || out.contains("FATAL")) {
            throw new IllegalStateException(what + ": " + out);
        }
    }

    private static double tps(String pgbenchOutput) {
        Matcher m = TPS.matcher(pgbenchOutput);
        if (!m.find()) {
            throw new IllegalStateException("no tps in: " + pgbenchOutput);
        }
        return Double.parseDouble(m.group(1));
    }

    private static double median(List<Run> runs) {
        double[] t = runs.stream().mapToDouble(Run::tps).sorted().toArray();
        return t.length % 2 == 1 ? t[t.length / 2] : (t[t.length / 2 - 1] + t[t.length / 2]) / 2;
    }
}
