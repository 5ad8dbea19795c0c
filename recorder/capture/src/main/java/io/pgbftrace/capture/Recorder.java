package io.pgbftrace.capture;

import io.pgbftrace.session.PgbftraceException;
import io.pgbftrace.session.Event;
import io.pgbftrace.session.FileKey;
import io.pgbftrace.session.Relation;
import io.pgbftrace.session.RecorderProcess;
import io.pgbftrace.session.SessionFormat;
import io.pgbftrace.session.SessionMetadata;
import io.pgbftrace.session.SessionWriter;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Records one cluster into a session: checks, catalog snapshot, bpftrace, and the loop that turns its output
 * into batches until a stop condition. bpftrace runs in a session of its own (Ctrl-C reaches only us, and we stop
 * it in order) and dies with the recorder (parent-death signal), so it never outlives us.
 */
public final class Recorder {
    private static final long READY_TIMEOUT_MS = 120_000;
    private static final long DRAIN_TIMEOUT_MS = 30_000;

    private final RecordOptions options;
    private final PrintStream err;
    private final StopControl stop;

    /** Filled while recording, read by the progress loop. */
    private final AtomicLong events = new AtomicLong();
    private final AtomicLong lost = new AtomicLong();
    private final AtomicLong badLines = new AtomicLong();
    private final Deque<String> stderrTail = new ArrayDeque<>();
    private final List<Integer> recorderBackends = new CopyOnWriteArrayList<>();
    private final CountDownLatch ready = new CountDownLatch(1);
    private volatile String firstBadLine;
    /** Set when the thread that writes events fails; the recording then stops with this error. */
    private volatile String writerFailure;

    public Recorder(RecordOptions options, PrintStream err, StopControl stop) {
        this.options = options;
        this.err = err;
        this.stop = stop;
    }

    /** What a finished recording reports. */
    public record Summary(Path session, long events, long lostEvents, String stopReason, boolean clean,
                          double seconds, List<FileKey> unresolved) {
    }

    public Summary run() {
        Preflight.checkOutput(options.out(), options.force());
        Preflight.checkPrivileges();
        Path bpftrace = Preflight.findBpftrace(options.env());
        Preflight.ensureTracefs().ifPresent(this::say);

        Connection main = options.connection().connect();
        CatalogTracker catalog = null;
        SessionWriter writer = null;
        try {
            ServerInfo server = ServerInfo.query(main);
            recorderBackends.add(server.backendPid());
            int postmaster = server.postmasterPid();
            Path binary = options.postgresBinary() != null ? options.postgresBinary()
                    : ServerInfo.executable(postmaster);
            if (binary == null) {
                throw new PgbftraceException("cannot find the binary of postmaster pid " + postmaster
                        + " (replaced on disk since the server started?); pass --postgres-bin");
            }
            List<StapsdtNotes.Note> notes;
            try {
                notes = StapsdtNotes.read(binary);
            } catch (IOException e) {
                throw new PgbftraceException("cannot read the probes of " + binary + ": " + e.getMessage(), e);
            }
            if (notes.isEmpty()) {
                throw new PgbftraceException(binary + " has no USDT probes: this PostgreSQL was built without"
                        + " --enable-dtrace; use a build with probes (Debian's and Ubuntu's packages have them)");
            }
            BpftraceScript.Script script = BpftraceScript.generate(binary.toString(), postmaster, notes,
                    options.forcePairing());
            if (script.fallbackWhy() != null && !options.forcePairing()) {
                say("outcome method " + script.outcomeMethod() + ": " + script.fallbackWhy());
            }

            catalog = new CatalogTracker(options.connection(), main, server, recorderBackends::add);
            SessionMetadata m = metadata(server, postmaster, binary, bpftrace, script);
            writer = SessionWriter.create(options.out(), m);
            writer.writeFile(SessionFormat.SCRIPT_FILE, script.text());
            for (Relation r : catalog.snapshotAll("start")) {
                writer.appendRelation(r);
            }
            m.recorder.backendPids = new ArrayList<>(recorderBackends);
            writer.writeMetadata();
            return record(bpftrace, writer, catalog);
        } catch (SQLException e) {
            throw new PgbftraceException("catalog query failed: " + ConnectionSettings.oneLine(e.getMessage()), e);
        } finally {
            if (catalog != null) {
                catalog.close();
            } else {
                closeQuietly(main);
            }
        }
    }

    private SessionMetadata metadata(ServerInfo server, int postmaster, Path binary, Path bpftrace,
                                     BpftraceScript.Script script) {
        SessionMetadata m = new SessionMetadata();
        m.toolVersion = options.toolVersion();
        m.title = options.title();
        m.description = options.description();
        m.source = "record";
        m.state = "starting";
        m.hostName = hostName();
        m.postgres.version = server.version();
        m.postgres.versionNum = server.versionNum();
        m.postgres.blockSize = server.blockSize();
        m.postgres.sharedBuffers = server.sharedBuffers();
        m.postgres.sharedBuffersBlocks = server.sharedBuffersBlocks();
        m.postgres.postmasterPid = postmaster;
        m.postgres.binary = binary.toString();
        m.postgres.connection = options.connection().describe();
        m.bpftrace.version = Preflight.bpftraceVersion(bpftrace);
        m.bpftrace.scriptFile = SessionFormat.SCRIPT_FILE;
        m.bpftrace.outcomeMethod = script.outcomeMethod();
        m.bpftrace.writeProbe = "buffer__flush__done";
        if (script.fallbackWhy() != null) {
            m.notes.add("HIT/MISS/EXTEND inferred by kernel-read pairing: " + script.fallbackWhy());
        }
        long self = ProcessHandle.current().pid();
        m.recorder.pid = self;
        m.recorder.processStart = RecorderProcess.startOf(self);
        return m;
    }

    private Summary record(Path bpftrace, SessionWriter writer, CatalogTracker catalog) {
        SessionMetadata m = writer.metadata();
        Process process = launch(bpftrace, writer.dir().resolve(SessionFormat.SCRIPT_FILE));
        Thread stderrReader = daemon("pgbftrace-bpftrace-stderr", () -> drainStderr(process));
        Thread stdoutReader = daemon("pgbftrace-bpftrace-stdout", () -> consume(process, writer, catalog));
        stderrReader.start();
        stdoutReader.start();
        catalog.start();

        String failure = null;
        long startNs = 0;
        try {
            if (!awaitReady(process)) {
                failure = "bpftrace did not start: " + bpftraceProblem(process);
            } else {
                startNs = System.nanoTime();
                m.startWall = Instant.now().toString();
                m.startMonotonicNs = startNs;
                m.state = "recording";
                synchronized (writer) {
                    writer.writeMetadata();
                }
                say("recording " + options.connection().describe() + " (postmaster pid " + m.postgres.postmasterPid
                        + ") into " + options.out() + "; Ctrl-C stops");
                failure = loop(process, startNs);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop.stop("interrupted");
        } finally {
            process.destroy(); // SIGTERM: bpftrace detaches its probes and exits
            joinOrKill(process, stdoutReader);
        }
        if (startNs == 0) {
            startNs = System.nanoTime();
            m.startWall = Instant.now().toString();
            m.startMonotonicNs = startNs;
        }
        long endNs = System.nanoTime();
        m.endMonotonicNs = endNs;
        m.endWall = Instant.now().toString();

        catalog.stopLookups();
        Set<FileKey> seen = catalog.seenFiles();
        for (Relation r : catalog.drainResolved()) {
            writer.appendRelation(r);
        }
        try {
            for (Relation r : catalog.snapshotAll("end")) {
                if (seen.contains(r.fileKey())) {
                    writer.appendRelation(r);
                }
            }
        } catch (SQLException | RuntimeException e) {
            // the server may be gone (that may be why we stopped): the events are recorded, finish the session
            m.notes.add("the catalog snapshot at the end failed: " + ConnectionSettings.oneLine(e.getMessage()));
        }
        List<FileKey> unresolved = catalog.unresolved();
        if (!unresolved.isEmpty()) {
            m.notes.add(unresolved.size() + " file(s) named by events had no relation in the catalog when looked"
                    + " up (created and dropped while recording, or never committed): " + abbreviate(unresolved));
        }
        if (badLines.get() > 0) {
            m.notes.add(badLines.get() + " bpftrace output line(s) could not be parsed; first: " + firstBadLine);
        }
        m.recorder.backendPids = new ArrayList<>(recorderBackends);
        String reason = failure != null ? failure : stop.reason() != null ? stop.reason() : "bpftrace exited";
        boolean clean = failure == null;
        writer.finish(clean ? "complete" : "failed", reason, clean);
        if (failure != null) {
            throw new PgbftraceException(failure + " (events so far are kept in " + options.out() + ")");
        }
        return new Summary(options.out(), events.get(), lost.get(), reason, clean, (endNs - startNs) / 1e9,
                unresolved);
    }

    private Process launch(Path bpftrace, Path scriptFile) {
        List<String> cmd = new ArrayList<>();
        // the parent-death signal stops bpftrace if we die; setsid keeps the terminal's Ctrl-C for us alone
        Preflight.findOnPath("setpriv", options.env()).ifPresent(p -> cmd.addAll(List.of(p.toString(),
                "--pdeathsig", "TERM", "--")));
        Preflight.findOnPath("setsid", options.env()).ifPresent(p -> cmd.add(p.toString()));
        if (cmd.isEmpty()) {
            say("setpriv and setsid (util-linux) not found: bpftrace may outlive the recorder if it is killed");
        }
        cmd.add(bpftrace.toString());
        cmd.add(scriptFile.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("BPFTRACE_STRLEN", "200");
        pb.environment().put("BPFTRACE_PERF_RB_PAGES", Integer.toString(options.bufferPages()));
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            return p;
        } catch (IOException e) {
            throw new PgbftraceException("cannot start " + bpftrace + ": " + e.getMessage(), e);
        }
    }

    private boolean awaitReady(Process process) throws InterruptedException {
        long deadline = System.currentTimeMillis() + READY_TIMEOUT_MS;
        while (System.currentTimeMillis() < deadline) {
            if (ready.await(100, TimeUnit.MILLISECONDS)) {
                return true;
            }
            if (!process.isAlive() || stop.isStopped()) {
                return ready.getCount() == 0;
            }
        }
        return false;
    }

    /** Waits for a stop condition, printing progress; returns a failure or null. */
    private String loop(Process process, long startNs) throws InterruptedException {
        long lastEvents = 0;
        long lastNs = startNs;
        boolean tty = System.console() != null;
        while (true) {
            boolean stopped = stop.await(1000);
            long now = System.nanoTime();
            long n = events.get();
            double rate = (n - lastEvents) / Math.max(1e-9, (now - lastNs) / 1e9);
            lastEvents = n;
            lastNs = now;
            String line = String.format(Locale.ROOT, "recording %s  events %,d  %,.0f/s  lost %,d",
                    clock(now - startNs), n, rate, lost.get());
            err.print(tty ? "\r" + line + "   " : line + "\n");
            err.flush();
            if (stopped) {
                if (tty) {
                    err.println();
                }
                return writerFailure;
            }
            if (options.duration() != null && now - startNs >= options.duration().toNanos()) {
                stop.stop("duration " + options.duration().toString().substring(2).toLowerCase(Locale.ROOT)
                        + " reached");
            }
            if (!process.isAlive()) {
                if (tty) {
                    err.println();
                }
                return "bpftrace exited unexpectedly (exit code " + process.exitValue() + "): "
                        + bpftraceProblem(process);
            }
        }
    }

    /** The reader of bpftrace's stdout: the only thread that writes events into the session. */
    private void consume(Process process, SessionWriter writer, CatalogTracker catalog) {
        Long max = options.maxEvents();
        TraceLineParser parser = new TraceLineParser(new TraceLineParser.Sink() {
            @Override
            public void event(Event e) {
                if (max != null && events.get() >= max) {
                    return;
                }
                writer.append(e);
                catalog.noteEvent(e);
                if (events.incrementAndGet() == (max == null ? -1 : max)) {
                    stop.stop("--max-events " + max + " reached");
                }
            }

            @Override
            public void ready(long timeNs) {
                ready.countDown();
            }

            @Override
            public void tick(long timeNs) {
                synchronized (writer) {
                    writer.flush();
                    for (Relation r : catalog.drainResolved()) {
                        writer.appendRelation(r);
                    }
                    writer.metadata().recorder.backendPids = new ArrayList<>(recorderBackends);
                    writer.writeMetadata();
                }
            }

            @Override
            public void lost(long count) {
                lost.addAndGet(count);
                writer.appendLost(System.nanoTime(), count);
            }

            @Override
            public void bad(long lineNumber, String line, String why) {
                if (badLines.incrementAndGet() == 1) {
                    firstBadLine = why + ": " + line;
                }
            }
        });
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8), 1 << 16)) {
            String line;
            while ((line = in.readLine()) != null) {
                parser.accept(line);
            }
            parser.finish();
        } catch (IOException | RuntimeException e) {
            writerFailure = "writing the session failed: " + e;
            stop.stop(writerFailure);
            process.destroy();
        }
    }

    private void drainStderr(Process process) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getErrorStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.contains("RLIMIT_MEMLOCK") || line.isBlank()) {
                    continue; // harmless on kernels that account BPF memory to cgroups
                }
                if (line.startsWith("Lost ") && line.endsWith(" events")) {
                    lost.addAndGet(Long.parseLong(line.substring(5, line.length() - 7).trim()));
                    continue;
                }
                synchronized (stderrTail) {
                    stderrTail.addLast(line);
                    if (stderrTail.size() > 20) {
                        stderrTail.removeFirst();
                    }
                }
            }
        } catch (IOException | NumberFormatException ignored) {
            // the process is gone
        }
    }

    private String bpftraceProblem(Process process) {
        try {
            process.waitFor(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (stderrTail) {
            String error = stderrTail.stream().filter(l -> l.contains("ERROR")).findFirst()
                    .orElse(stderrTail.isEmpty() ? "no message" : stderrTail.getLast());
            return error.trim();
        }
    }

    private void joinOrKill(Process process, Thread stdoutReader) {
        try {
            if (!process.waitFor(DRAIN_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                say("bpftrace did not stop within " + DRAIN_TIMEOUT_MS / 1000 + " s; killing it");
                process.destroyForcibly();
            }
            stdoutReader.join(DRAIN_TIMEOUT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    private static Thread daemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private void say(String line) {
        err.println("pgbftrace record: " + line);
        err.flush();
    }

    static String clock(long ns) {
        long s = ns / 1_000_000_000L;
        return String.format(Locale.ROOT, "%02d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
    }

    private static String abbreviate(List<FileKey> keys) {
        List<String> shown = keys.stream().limit(5).map(FileKey::toString).toList();
        return String.join(", ", shown) + (keys.size() > 5 ? ", ..." : "");
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return System.getenv().getOrDefault("HOSTNAME", "unknown");
        }
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // closing anyway
        }
    }
}
