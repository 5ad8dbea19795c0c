package io.pgbftrace.demo;

import io.pgbftrace.session.PgbftraceException;
import io.pgbftrace.capture.Preflight;
import io.pgbftrace.capture.EventOutput;
import io.pgbftrace.capture.RecordOptions;
import io.pgbftrace.capture.Recorder;
import io.pgbftrace.capture.StopControl;
import io.pgbftrace.report.HtmlReport;
import io.pgbftrace.report.ReportOptions;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs a scenario on a throwaway cluster while recording it: setup (not recorded), a restart for a cold buffer
 * pool, the recorded SQL, then the session and its report in the output folder.
 */
public final class Demo {
    /** The scenario a newcomer gets: hits, misses and the ring buffer in well under a minute. */
    public static final String DEFAULT_SCENARIO = "tour";
    /** Bundled scenarios, in the jar under scenarios/NAME/scenario.sql (from samples/NAME/scenario.sql). */
    public static final List<String> SCENARIOS = List.of("tour", "seqscan-small", "seqscan-ring", "index-scan",
            "bulk-load", "hot-update", "vacuum", "create-index", "checkpoint", "seqscan-async", "read-stream",
            "bitmap-scan");
    private static final long START_TIMEOUT_MS = 120_000;

    private Demo() {
    }

    /** What a demo wrote. */
    /** @param stopKept how to stop the cluster left running (--keep-cluster), or null */
    public record Result(Path session, Path report, Recorder.Summary summary, Path keptCluster, String stopKept) {
    }

    /** A bundled scenario by name, or a scenario file by path. */
    public static Scenario load(String nameOrPath) {
        Path file = Path.of(nameOrPath);
        if (nameOrPath.endsWith(".sql") || Files.isRegularFile(file)) {
            if (!Files.isRegularFile(file)) {
                throw PgbftraceException.usage("scenario file " + nameOrPath + " does not exist");
            }
            try {
                String name = file.getFileName().toString().replaceAll("\\.sql$", "");
                if (name.equals("scenario") && file.toAbsolutePath().getParent() != null) {
                    name = file.toAbsolutePath().getParent().getFileName().toString(); // samples/NAME/scenario.sql
                }
                return Scenario.parse(name.toLowerCase(java.util.Locale.ROOT), Files.readString(file));
            } catch (IOException e) {
                throw new PgbftraceException("cannot read scenario file " + nameOrPath + ": " + e.getMessage(), e);
            }
        }
        return Scenario.parse(nameOrPath, bundledText(nameOrPath));
    }

    public static String bundledText(String name) {
        try (InputStream in = Demo.class.getResourceAsStream("/scenarios/" + name + "/scenario.sql")) {
            if (in == null) {
                throw PgbftraceException.usage("no scenario named '" + name + "'; choose one of "
                        + String.join(", ", SCENARIOS) + ", or give a scenario file (docs/scenarios.md)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new PgbftraceException("cannot read scenario " + name + ": " + e.getMessage(), e);
        }
    }

    /**
     * @param scenarioText the scenario's own text, copied next to the session
     */
    public static Result run(Scenario scenario, String scenarioText, Path out, boolean force, boolean keepCluster,
                             Path serverBin, Map<String, String> env, PrintStream err, String toolVersion)
            throws IOException, InterruptedException {
        return run(scenario, scenarioText, out, force, keepCluster, null, serverBin, env, err, toolVersion);
    }

    /** @param chroot run the server inside this chroot ({@code serverBin} a path inside it), or null */
    public static Result run(Scenario scenario, String scenarioText, Path out, boolean force, boolean keepCluster,
                             Path chroot, Path serverBin, Map<String, String> env, PrintStream err,
                             String toolVersion) throws IOException, InterruptedException {
        Path sessionDir = out.resolve("session");
        Preflight.checkOutput(sessionDir, force);
        Files.createDirectories(out);
        err.println("pgbftrace demo: scenario " + scenario.name() + ": " + scenario.title());
        err.println("pgbftrace demo: starting a throwaway PostgreSQL cluster (" + serverBin.getParent().getFileName()
                + ", shared_buffers " + scenario.settings().get("shared_buffers") + ")");
        ThrowawayCluster cluster = ThrowawayCluster.start(serverBin, scenario.settings(), chroot, false);
        Recorder.Summary summary;
        try {
            run(cluster, scenario.setup(), "setup");
            if (scenario.cold()) {
                cluster.restart(); // an empty buffer pool: the recorded SQL starts cold
            }
            summary = record(scenario, cluster, sessionDir, env, err, toolVersion);
        } finally {
            if (keepCluster) {
                cluster.keep();
            }
            cluster.close();
        }
        Files.writeString(out.resolve("scenario.sql"), scenarioText, StandardCharsets.UTF_8);
        Path report = out.resolve("report.html");
        HtmlReport.write(new ReportOptions(sessionDir, null, false, null, null, ReportOptions.DEFAULT_BINS, true,
                null, false), report, n -> { });
        return new Result(sessionDir, report, summary, keepCluster ? cluster.root() : null,
                keepCluster ? cluster.stopCommand() : null);
    }

    static final long QUIET_MS = 400;
    static final long QUIET_TIMEOUT_MS = 10_000;

    private static Recorder.Summary record(Scenario scenario, ThrowawayCluster cluster, Path sessionDir,
                                           Map<String, String> env, PrintStream err, String toolVersion)
            throws InterruptedException {
        RecordOptions options = new RecordOptions(sessionDir, true, cluster.settings("postgres"), null, null, null, null,
                scenario.title(), scenario.description(), scenario.lookFor(), false, "auto", 1024,
                EventOutput.events(), env, toolVersion); // teaching sessions keep every event's order and time
        StopControl stop = new StopControl();
        AtomicReference<Recorder.Summary> summary = new AtomicReference<>();
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        Recorder r = new Recorder(options, new Recorder.Listener() {
            @Override
            public void say(String line) {
                err.println(line);
            }
        }, stop);
        // the recorder's thread lives until it ends: bpftrace's parent-death signal is tied to it
        Thread recorder = new Thread(() -> {
            try {
                summary.set(r.run());
            } catch (RuntimeException e) {
                failure.set(e);
            }
        }, "pgbftrace-demo-recorder");
        recorder.start();
        try {
            r.started().get(START_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            stop.stop("demo could not start recording");
            recorder.join();
            throw failure.get() != null ? failure.get() : new PgbftraceException("the recorder did not start within "
                    + START_TIMEOUT_MS / 1000 + " s");
        }
        err.println("pgbftrace demo: recording; running the scenario's SQL");
        try {
            run(cluster, scenario.record(), "record");
        } catch (RuntimeException e) {
            stop.stop("scenario failed");
            recorder.join();
            throw e;
        }
        awaitQuiet(r);
        stop.stop("scenario finished");
        recorder.join();
        if (failure.get() != null) {
            throw failure.get();
        }
        return summary.get();
    }

    /**
     * Waits until the events of the scenario's last statements (and of its backend's exit) have come through
     * bpftrace: no new event for {@link #QUIET_MS}, at most {@link #QUIET_TIMEOUT_MS}.
     */
    private static void awaitQuiet(Recorder r) throws InterruptedException {
        long deadline = System.currentTimeMillis() + QUIET_TIMEOUT_MS;
        long seen = -1;
        long since = System.currentTimeMillis();
        while (System.currentTimeMillis() < deadline) {
            long now = r.eventsSoFar();
            if (now != seen) {
                seen = now;
                since = System.currentTimeMillis();
            } else if (System.currentTimeMillis() - since >= QUIET_MS) {
                return;
            }
            Thread.sleep(50);
        }
    }

    /** Runs steps over one connection (one backend). */
    private static void run(ThrowawayCluster cluster, List<Scenario.Step> steps, String section)
            throws InterruptedException {
        Path scratch = cluster.scratch();
        try (Connection c = cluster.settings("postgres").connect(); Statement st = c.createStatement()) {
            for (Scenario.Step step : steps) {
                if (step.isSleep()) {
                    Thread.sleep(step.sleep().toMillis());
                    continue;
                }
                try {
                    st.execute(step.sql().replace("${scratch}", scratch.toString()));
                } catch (SQLException e) {
                    throw new PgbftraceException("the scenario's " + section + " SQL failed at line " + step.line()
                            + ": " + e.getMessage().lines().findFirst().orElse(""), e);
                }
            }
        } catch (SQLException e) {
            throw new PgbftraceException("cannot run the scenario: " + e.getMessage(), e);
        }
    }

    /** What tracing needs that this machine lacks, each with the Debian package that brings it. */
    public static List<String[]> missing(Map<String, String> env, boolean needServer) {
        List<String[]> out = new ArrayList<>();
        if (Preflight.findOnPath("bpftrace", env).isEmpty()) {
            out.add(new String[]{"bpftrace", "bpftrace"});
        }
        if (needServer && ThrowawayCluster.findServer().isEmpty()) {
            out.add(new String[]{"a PostgreSQL server", "postgresql"});
        }
        return out;
    }
}
