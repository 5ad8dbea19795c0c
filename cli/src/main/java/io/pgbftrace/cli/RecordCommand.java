package io.pgbftrace.cli;

import io.pgbftrace.session.PgbftraceException;
import io.pgbftrace.capture.EventOutput;
import io.pgbftrace.capture.Recorder;
import io.pgbftrace.capture.RecordOptions;
import io.pgbftrace.capture.StopControl;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code pgbftrace record}: trace a running cluster into a session. */
@Command(name = "record", sortOptions = false,
        header = "Record a running PostgreSQL cluster's buffer accesses into a session folder.",
        description = {"Record every shared-buffer access of one running PostgreSQL cluster into a session folder,",
                "until Ctrl-C, SIGTERM, --duration or --max-events. Needs root (bpftrace), and a server on this",
                "machine built with --enable-dtrace."},
        footerHeading = "%nExamples:%n",
        footer = {"  sudo pgbftrace record --out session1",
                "  sudo pgbftrace record -h /var/run/postgresql -p 5432 -U postgres -d shop --out s2 --duration 30s",
                "  sudo PGHOST=/tmp PGDATABASE=shop pgbftrace record --out s3 --max-events 1000000 \\",
                "       --title 'Seq scan through the ring buffer'",
                "  sudo pgbftrace record -h 127.0.0.1 -p 5432 -U postgres --out s4     # a server in a container"})
public final class RecordCommand extends EnvAware implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionMixin connection;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "The session folder to create.")
    Path out;

    @Option(names = "--force", description = "Replace an earlier session in --out.")
    boolean force;

    @Option(names = "--duration", paramLabel = "TIME", converter = Durations.class,
            description = "Stop after this long: 30s, 5m, 2h.")
    Duration duration;

    @Option(names = "--max-events", paramLabel = "N", description = "Stop after N events.")
    Long maxEvents;

    @Option(names = "--title", description = "A title for the session (shown by info, report and replay).")
    String title;

    @Option(names = "--description", description = "What the session shows, for the people it is shared with.")
    String description;

    @Option(names = "--look-for", paramLabel = "TEXT",
            description = "What a learner should look for, shown beside the description by info, report and replay.")
    String lookFor;

    @Option(names = "--postgres-bin", paramLabel = "PATH",
            description = "The postgres binary to attach to (default: the running postmaster's, via /proc).")
    Path postgresBin;

    @Option(names = "--pid", paramLabel = "PID",
            description = "The postmaster's pid as this machine sees it, where the server cannot be found from the"
                    + " connection (default: found through /proc, also in a container's PID namespace).")
    Integer pid;

    @Option(names = "--outcome-method", paramLabel = "METHOD", defaultValue = "auto",
            description = "How hits, misses and extends are told apart: auto (probe arguments when the"
                    + " binary's notes allow it) or pairing (kernel reads between read__start and read__done).")
    String outcomeMethod;

    @Option(names = "--method", paramLabel = "METHOD", defaultValue = "auto",
            description = "How to trace: usdt (the binary's USDT probes; PostgreSQL 13-19), uprobe (uprobes on the"
                    + " buffer manager's functions, for builds without probes; PostgreSQL 13-18) or auto (usdt where"
                    + " the binary has probes, else uprobe; the default).")
    String captureMethod;

    @Option(names = "--mode", paramLabel = "MODE", defaultValue = "auto",
            description = "How buffer events leave the kernel: events (a line each: exact order and time), aggregate"
                    + " (counts per slice, see --aggregate: exact counts at a fraction of the cost, no order or"
                    + " time inside a slice, no statements) or auto (a line each while the rate is below"
                    + " --auto-above, counts above it; the default).")
    String mode;

    @Option(names = "--auto-above", paramLabel = "RATE", defaultValue = "20000",
            description = "--mode auto counts events per slice once the rate has stayed above RATE events a second"
                    + " for a second, and prints them one by one again once it has stayed below a quarter of it"
                    + " as long (default: ${DEFAULT-VALUE}, where printing starts to slow a busy server).")
    long autoAbove;

    @Option(names = "--aggregate", paramLabel = "SLICE", converter = Durations.class,
            description = "Count buffer events per slice of this length (e.g. 100ms) instead of a line each;"
                    + " implies --mode aggregate unless --mode auto is given (whose slice it sets; 100ms by default).")
    Duration aggregate;

    @Option(names = "--buffer-pages", paramLabel = "N", defaultValue = "1024",
            description = "bpftrace's ring buffer in pages per CPU (default: ${DEFAULT-VALUE}); raise it if"
                    + " events are lost.")
    int bufferPages;

    @Option(names = "--metrics-port", paramLabel = "N",
            description = "Serve Prometheus metrics of the recording on this port (/metrics; /health says whether it"
                    + " is recording and keeping up); 0 picks a free one.")
    Integer metricsPort;

    @Option(names = "--metrics-bind", paramLabel = "ADDR", defaultValue = "127.0.0.1",
            description = "The address the metrics are served on (default: ${DEFAULT-VALUE}, this machine only).")
    String metricsBind;

    @Option(names = "--metrics-top", paramLabel = "N", defaultValue = "20",
            description = "Relations with their own accesses metric, the busiest (default: ${DEFAULT-VALUE}).")
    int metricsTop;

    @Mixin
    HelpMixin help;

    @Override
    public Integer call() {
        String method = outcomeMethod.toLowerCase(Locale.ROOT);
        if (!method.equals("auto") && !method.equals("pairing")) {
            throw PgbftraceException.usage("--outcome-method must be auto or pairing, not " + outcomeMethod);
        }
        String capture = captureMethod.toLowerCase(Locale.ROOT);
        if (!List.of("auto", "usdt", "uprobe").contains(capture)) {
            throw PgbftraceException.usage("--method must be auto, usdt or uprobe, not " + captureMethod);
        }
        if (maxEvents != null && maxEvents <= 0) {
            throw PgbftraceException.usage("--max-events must be a positive number");
        }
        if (bufferPages <= 0 || Integer.bitCount(bufferPages) != 1) {
            throw PgbftraceException.usage("--buffer-pages must be a power of two, e.g. 1024");
        }
        if (metricsPort != null && (metricsPort < 0 || metricsPort > 65535)) {
            throw PgbftraceException.usage("--metrics-port must be between 0 and 65535, not " + metricsPort);
        }
        if (metricsTop < 0) {
            throw PgbftraceException.usage("--metrics-top must be 0 or more");
        }
        EventOutput output = output();
        RecordOptions options = new RecordOptions(out, force, connection.settings(env), postgresBin, pid, duration,
                maxEvents, title, description, lookFor, method.equals("pairing"), capture, bufferPages, output, env,
                VersionProvider.version());
        PrintStream err = new PrintStream(new WriterOutputStream(spec.commandLine().getErr()), true);
        StopControl stop = new StopControl();
        stop.stopOnSignals();
        Recorder recorder = new Recorder(options, new Progress(err, System.console() != null), stop);
        Recorder.Summary s;
        if (metricsPort == null) {
            s = recorder.run();
        } else {
            try (RecordMetrics metrics = RecordMetrics.start(recorder, metricsBind, metricsPort, metricsTop)) {
                err.printf(Locale.ROOT, "metrics: http://%s:%d/metrics (health: /health)%n",
                        metricsBind.contains(":") ? "[" + metricsBind + "]" : metricsBind, metrics.port());
                s = recorder.run();
            }
        }
        var o = spec.commandLine().getOut();
        o.printf(Locale.ROOT, "recorded %,d events in %.1f s into %s (stopped: %s)%n", s.events(), s.seconds(),
                s.session(), s.stopReason());
        if (s.lostEvents() > 0) {
            o.printf(Locale.ROOT, output.aggregates()
                    ? "lost %,d events: bpftrace could not keep up; raise --buffer-pages or see info's notes%n"
                    : "lost %,d events: bpftrace could not keep up; raise --buffer-pages, or record with --mode"
                    + " auto or aggregate%n", s.lostEvents());
        }
        if (!s.unresolved().isEmpty()) {
            o.printf(Locale.ROOT, "%d file(s) could not be named from the catalog (see info)%n",
                    s.unresolved().size());
        }
        o.printf("next: pgbftrace info %s%n", s.session());
        return ExitCodes.OK;
    }

    private static final long DEFAULT_SLICE_MS = 100;

    private EventOutput output() {
        String m = mode.toLowerCase(Locale.ROOT);
        if (!List.of("auto", "events", "aggregate").contains(m)) {
            throw PgbftraceException.usage("--mode must be auto, events or aggregate, not " + mode);
        }
        boolean modeGiven = spec.commandLine().getParseResult().hasMatchedOption("--mode");
        long sliceMs = DEFAULT_SLICE_MS;
        if (aggregate != null) {
            if (m.equals("events") && modeGiven) {
                throw PgbftraceException.usage("--aggregate counts per slice; --mode events prints every event");
            }
            sliceMs = aggregate.toMillis();
            if (sliceMs < 50 || sliceMs > 60_000) {
                throw PgbftraceException.usage("--aggregate must be from 50ms to 60s, not " + sliceMs + "ms");
            }
            if (!modeGiven) {
                m = "aggregate";
            }
        }
        return switch (m) {
            case "events" -> EventOutput.events();
            case "aggregate" -> EventOutput.aggregate(sliceMs);
            default -> {
                if (autoAbove < 10) {
                    throw PgbftraceException.usage("--auto-above must be at least 10 events a second");
                }
                yield EventOutput.auto(sliceMs, autoAbove, autoAbove / 4);
            }
        };
    }

    /** Says the recorder's lines and draws one progress line a second (in place on a terminal). */
    static final class Progress implements Recorder.Listener {
        private final PrintStream err;
        private final boolean tty;
        private boolean drawn;

        Progress(PrintStream err, boolean tty) {
            this.err = err;
            this.tty = tty;
        }

        @Override
        public synchronized void say(String line) {
            if (drawn && tty) {
                err.println();
                drawn = false;
            }
            err.println(line);
        }

        @Override
        public synchronized void progress(long elapsedNs, long events, double rate, long lost) {
            String line = String.format(Locale.ROOT, "recording %s  events %,d  %,.0f/s  lost %,d",
                    clock(elapsedNs), events, rate, lost);
            err.print(tty ? "\r" + line + "   " : line + "\n");
            err.flush();
            drawn = true;
        }

        static String clock(long ns) {
            long s = ns / 1_000_000_000L;
            return String.format(Locale.ROOT, "%02d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
        }
    }
}
