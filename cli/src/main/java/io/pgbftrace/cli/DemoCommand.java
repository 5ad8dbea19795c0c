package io.pgbftrace.cli;

import io.pgbftrace.session.PgbftraceException;
import io.pgbftrace.capture.Preflight;
import io.pgbftrace.capture.StapsdtNotes;
import io.pgbftrace.capture.StopControl;
import io.pgbftrace.demo.Demo;
import io.pgbftrace.demo.Scenario;
import io.pgbftrace.demo.ThrowawayCluster;
import io.pgbftrace.replay.ReplayServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** {@code pgbftrace demo}: record a teaching scenario on a throwaway cluster. */
@Command(name = "demo", sortOptions = false,
        header = "Record a teaching scenario on a throwaway PostgreSQL cluster, with its report.",
        description = {"Creates a throwaway cluster (initdb as the postgres user, Unix socket only, shared_buffers",
                "16MB), runs the scenario's SQL while recording it, removes the cluster, and writes the session",
                "and its report. Without --scenario: a tour of hits, misses and the ring buffer in under a minute.",
                "Where this machine cannot trace, it says why, installs what is missing on Debian/Ubuntu (unless",
                "--no-install), or else replays the bundled sample of the scenario."},
        footerHeading = "%nExamples:%n",
        footer = {"  sudo pgbftrace demo",
                "  sudo pgbftrace demo --scenario seqscan-ring --out ring",
                "  sudo pgbftrace demo --scenario my-scenario.sql --keep-cluster",
                "  sudo pgbftrace demo --scenario read-stream --chroot /var/cache/pgbftrace/packaged-postgres/trixie",
                "  pgbftrace demo --list"})
public final class DemoCommand extends EnvAware implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--scenario", paramLabel = "NAME|FILE", defaultValue = Demo.DEFAULT_SCENARIO,
            description = "A bundled scenario (see --list) or a scenario file (docs/scenarios.md); default: "
                    + "${DEFAULT-VALUE}.")
    String scenario;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Folder for the session, report and scenario (default: demo-SCENARIO).")
    Path out;

    @Option(names = "--force", description = "Replace an earlier session in --out.")
    boolean force;

    @Option(names = "--keep-cluster", description = "Leave the cluster running afterwards (says how to reach it).")
    boolean keepCluster;

    @Option(names = "--no-install", description = "Never install missing packages.")
    boolean noInstall;

    @Option(names = "--pg-bindir", paramLabel = "DIR",
            description = "The bin folder of the PostgreSQL to run the scenario on (postgres, initdb, pg_ctl), e.g."
                    + " an unpacked build without USDT probes (traced with uprobes, PostgreSQL 13-18). Default:"
                    + " the newest under /usr/lib/postgresql.")
    Path pgBindir;

    @Option(names = "--chroot", paramLabel = "DIR",
            description = "Run the cluster inside this chroot: a distribution's root with its PostgreSQL package"
                    + " installed (Debian's 17, 18 or 19, say; run-tests makes them). --pg-bindir is then a path"
                    + " inside it; default: the newest under DIR/usr/lib/postgresql.")
    Path chroot;

    @Option(names = "--list", description = "List the bundled scenarios and exit.")
    boolean list;

    @Mixin
    HelpMixin help;

    @Override
    public Integer call() throws Exception {
        var o = spec.commandLine().getOut();
        if (list) {
            for (String name : Demo.SCENARIOS) {
                o.printf(Locale.ROOT, "  %-14s %s%n", name, Demo.load(name).title());
            }
            return ExitCodes.OK;
        }
        Scenario s;
        try {
            s = Demo.load(scenario);
        } catch (Scenario.FormatException e) {
            throw PgbftraceException.usage(e.getMessage());
        }
        Path root = chroot == null ? Path.of("/") : chroot.toAbsolutePath();
        if (chroot != null && pgBindir == null) {
            pgBindir = ThrowawayCluster.findServer(root).orElseThrow(() -> PgbftraceException.usage("--chroot "
                    + chroot + " has no PostgreSQL server under usr/lib/postgresql; install one in it, or give"
                    + " --pg-bindir its bin folder inside"));
        }
        if (pgBindir != null) {
            for (String program : List.of("postgres", "initdb", "pg_ctl")) {
                if (!Files.isExecutable(root.resolve(pgBindir.toAbsolutePath().toString().substring(1))
                        .resolve(program))) {
                    throw PgbftraceException.usage("--pg-bindir " + pgBindir + " has no " + program
                            + (chroot == null ? "" : " in --chroot " + chroot)
                            + "; give the bin folder of a PostgreSQL installation or unpacked build");
                }
            }
        }
        Path dir = out != null ? out : Path.of("demo-" + s.name());
        PrintStream err = new PrintStream(new WriterOutputStream(spec.commandLine().getErr()), true);

        String cannot = whyNoTracing(err);
        if (cannot != null) {
            return fallback(s, cannot, err);
        }
        Path bin = pgBindir != null ? pgBindir.toAbsolutePath() : ThrowawayCluster.findServer().orElseThrow();
        int major = ThrowawayCluster.majorVersion(chroot == null ? null : root, bin);
        if (s.requiresMajor() > 0 && major < s.requiresMajor()) {
            throw PgbftraceException.usage("scenario " + s.name() + " needs PostgreSQL " + s.requiresMajor()
                    + " or later, and " + bin + " has " + (major < 0 ? "a server whose version it cannot tell"
                    : "PostgreSQL " + major) + "; give --pg-bindir the bin folder of a PostgreSQL "
                    + s.requiresMajor() + " build (README: which builds pgbftrace records)");
        }
        String text = Files.isRegularFile(Path.of(scenario)) ? Files.readString(Path.of(scenario))
                : DemoResources.text(s.name());
        Demo.Result r = Demo.run(s, text, dir, force, keepCluster, chroot == null ? null : root, bin, env, err,
                VersionProvider.version());
        o.printf(Locale.ROOT, "recorded %,d events in %.1f s into %s (lost %,d)%n", r.summary().events(),
                r.summary().seconds(), r.session(), r.summary().lostEvents());
        o.printf("report: %s%n", r.report());
        if (r.keptCluster() != null) {
            o.printf("the cluster still runs: psql -h %s -U postgres; stop it with: %s%n", r.keptCluster(),
                    r.stopKept());
        }
        o.printf("next:   ./pgbftrace replay %s --open%n        ./pgbftrace info %s%n", r.session(), r.session());
        return ExitCodes.OK;
    }

    /** Null when this machine can trace (after installing what it may); else why not. */
    private String whyNoTracing(PrintStream err) throws IOException, InterruptedException {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "tracing needs root (run it with sudo)";
        }
        List<String[]> missing = Demo.missing(env, pgBindir == null);
        if (!missing.isEmpty()) {
            List<String> what = missing.stream().map(m -> m[0]).toList();
            List<String> packages = missing.stream().map(m -> m[1]).toList();
            Optional<Path> apt = Preflight.findOnPath("apt-get", env);
            if (noInstall || apt.isEmpty()) {
                return String.join(" and ", what) + " missing; install with: apt-get install "
                        + String.join(" ", packages);
            }
            err.println("pgbftrace demo: " + String.join(" and ", what) + " missing; installing with: apt-get"
                    + " install " + String.join(" ", packages) + " (--no-install forbids this)");
            run(List.of(apt.get().toString(), "update", "-qq"));
            List<String> install = new ArrayList<>(List.of(apt.get().toString(), "install", "-y", "-qq",
                    "--no-install-recommends"));
            install.addAll(packages);
            if (run(install) != 0 || !Demo.missing(env, pgBindir == null).isEmpty()) {
                return "installing " + String.join(" ", packages) + " failed";
            }
        }
        if (pgBindir != null) {
            return null; // the recorder traces it with USDT probes or uprobes, or says what it lacks
        }
        Path postgres = ThrowawayCluster.findServer().orElseThrow().resolve("postgres");
        try {
            if (StapsdtNotes.sites(StapsdtNotes.read(postgres), "buffer__read__done").isEmpty()) {
                return postgres + " has no USDT probes (built without --enable-dtrace)";
            }
        } catch (IOException e) {
            return "cannot read " + postgres + ": " + e.getMessage();
        }
        return null;
    }

    private int run(List<String> cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
        Process p = pb.start();
        return p.waitFor(20, TimeUnit.MINUTES) ? p.exitValue() : -1;
    }

    /** Replays the bundled sample of the scenario, saying why. */
    private int fallback(Scenario s, String why, PrintStream err) throws InterruptedException {
        Optional<Path> sample = DemoResources.sample(s.name(), env);
        if (sample.isEmpty()) {
            throw new PgbftraceException("cannot trace here: " + why + "; and there is no bundled sample of '"
                    + s.name() + "' to replay instead");
        }
        err.println("pgbftrace demo: cannot trace here: " + why);
        err.println("pgbftrace demo: replaying the bundled sample " + sample.get() + " instead");
        StopControl stop = new StopControl();
        stop.stopOnSignals();
        try (ReplayServer server = ReplayServer.start(sample.get(), "127.0.0.1", 0, 1, false, false)) {
            spec.commandLine().getOut().printf("replaying %s at %s; Ctrl-C stops%n", sample.get(), server.url());
            spec.commandLine().getOut().flush();
            stop.awaitStop();
        }
        return ExitCodes.OK;
    }
}
