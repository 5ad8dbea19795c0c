package io.pgbftrace.capture;

import io.pgbftrace.session.Event;
import io.pgbftrace.session.FileKey;
import io.pgbftrace.session.PgbftraceException;
import io.pgbftrace.session.RecorderProcess;
import io.pgbftrace.session.Relation;
import io.pgbftrace.session.SessionFormat;
import io.pgbftrace.session.SessionMetadata;
import io.pgbftrace.session.SessionWriter;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Records one cluster into a session: checks (all of them before anything is written), catalog snapshot,
 * bpftrace, and the watch that ends the recording on a stop request, a limit, or a fault (bpftrace gone, the
 * server stopped or restarted, the disk full). One thread owns the session writer from the first record to the
 * last: it reads bpftrace's output and finishes the session with what this thread hands it at the end.
 */
public final class Recorder {
    private static final long READY_TIMEOUT_MS = 120_000;
    private static final long DRAIN_TIMEOUT_MS = 30_000;
    /** session.json is rewritten every this many ticks (bpftrace ticks every 100 ms). */
    private static final int METADATA_TICKS = 10;
    /** How far the session writer may fall behind bpftrace's output before bpftrace waits for it. */
    private static final long PUMP_BYTES = 64L << 20;

    /** What a recording tells whoever runs it (the record command draws progress; the demo waits for start). */
    public interface Listener {
        /** A line for the user. */
        default void say(String line) {
        }

        /** Recording really started (bpftrace attached); the session is readable from now on. */
        default void started(Path session) {
        }

        /** About once a second while recording. */
        default void progress(long elapsedNs, long events, double eventsPerSecond, long lostEvents) {
        }
    }

    private final RecordOptions options;
    private final Listener listener;
    private final StopControl stop;

    /** Events recorded so far (for a caller that waits for the server's last events to arrive). */
    public long eventsSoFar() {
        return events.get();
    }

    /** Filled while recording, read by the watch. */
    private final AtomicLong events = new AtomicLong();
    private final AtomicLong lost = new AtomicLong();
    private final List<Integer> recorderBackends = new CopyOnWriteArrayList<>();
    private final CountDownLatch ready = new CountDownLatch(1);
    private final CompletableFuture<Void> started = new CompletableFuture<>();
    private volatile long startNs;
    private volatile LiveCounts live;
    private volatile BpftraceProcess running;

    public Recorder(RecordOptions options, Listener listener, StopControl stop) {
        this.options = options;
        this.listener = listener;
        this.stop = stop;
    }

    /** What a finished recording reports. */
    public record Summary(Path session, long events, long lostEvents, String stopReason, boolean clean,
                          double seconds, List<FileKey> unresolved) {
    }

    /** Completes when recording really started; completes exceptionally when it never will. */
    /** Counts what is written as it is, for live views; call before {@link #run()}. */
    public LiveCounts live() {
        if (live == null) {
            live = new LiveCounts();
        }
        return live;
    }

    /** Events lost so far (bpftrace's ring buffer, or counts its maps could not hold). */
    public long lostSoFar() {
        return lost.get();
    }

    /** Whether bpftrace is running (false before it starts and after it ends). */
    public boolean bpftraceAlive() {
        BpftraceProcess bp = running;
        return bp != null && bp.isAlive();
    }

    public CompletableFuture<Void> started() {
        return started;
    }

    public Summary run() {
        try {
            return record();
        } catch (RuntimeException e) {
            started.completeExceptionally(e);
            throw e;
        } finally {
            started.completeExceptionally(new PgbftraceException("the recording ended before it started"));
        }
    }

    private Summary record() {
        Preflight.checkOutput(options.out(), options.force());
        Preflight.checkPrivileges();
        Path bpftrace = Preflight.findBpftrace(options.env());
        Preflight.ensureTracefs().ifPresent(this::say);

        // the backend is confirmed as ours by having started while we connected (see ServerLocation)
        double connecting = ServerLocation.uptime();
        Connection main = options.connection().connect();
        ServerLocation.Window window = new ServerLocation.Window(connecting, ServerLocation.uptime());
        CatalogTracker catalog = null;
        try {
            ServerInfo server = ServerInfo.query(main);
            ServerLocation where = ServerLocation.find(server.backendPid(), window, options.postmasterPid());
            recorderBackends.add(where.backendPid());
            int postmaster = where.postmasterPid();
            Path binary = options.postgresBinary() != null ? options.postgresBinary() : where.binary();
            Capture capture = capture(binary, postmaster, server);
            BpftraceScript.Script script = capture.script();
            if (script.fallbackWhy() != null && !options.forcePairing()) {
                say("outcome method " + script.outcomeMethod() + ": " + script.fallbackWhy());
            }
            // the catalog's connections are the recorder's backends too, by their pids here
            catalog = new CatalogTracker(options.connection(), main, server,
                    pid -> where.hostPid(pid).ifPresent(recorderBackends::add));
            List<Relation> startSnapshot = catalog.snapshotAll("start");
            SessionMetadata m = metadata(server, where, binary, bpftrace, capture);

            // every check passed: only now is anything written (and an earlier session only moved aside)
            SessionSwap swap = SessionSwap.begin(options.out());
            SessionWriter writer;
            try {
                writer = SessionWriter.create(options.out(), m);
                writer.writeFile(SessionFormat.SCRIPT_FILE, script.text());
            } catch (RuntimeException e) {
                swap.rollback();
                throw e;
            }
            return record(bpftrace, writer, catalog, startSnapshot, swap, postmaster);
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

    /** The script, and how it traces: the binary's USDT probes, or uprobes on its functions. */
    private record Capture(BpftraceScript.Script script, String method, List<String> functions,
                           List<String> notes) {
    }

    /**
     * USDT capture reads the probes of PostgreSQL 13 to 19: 13 to 15 in one layout, 16 to 19 in the next (see
     * {@link BpftraceScript#generatePins}); a later version's may have changed again and is not read.
     */
    static final int USDT_READ_BEFORE = 200000;

    private static final String USDT_VERSIONS = "pgbftrace reads the USDT probes of PostgreSQL 13 to 19";

    /**
     * Whether to capture through USDT probes ({@code --method} usdt, or auto where the binary has probes of a
     * version whose layout this tool reads); refuses usdt where it cannot.
     */
    static boolean usesProbes(String method, Path binary, boolean hasProbes, ServerInfo server) {
        boolean readable = server.versionNum() < USDT_READ_BEFORE;
        if (!method.equals("usdt")) {
            return method.equals("auto") && hasProbes && readable;
        }
        if (!hasProbes) {
            throw new PgbftraceException(binary + " has no USDT probes: this PostgreSQL was built without"
                    + " --enable-dtrace; use --method uprobe (PostgreSQL 13-18), or a build with probes"
                    + " (Debian's and Ubuntu's packages have them)");
        }
        if (!readable) {
            throw PgbftraceException.usage("--method usdt: " + USDT_VERSIONS + ", and this server is "
                    + server.version() + "; use --method uprobe");
        }
        return true;
    }

    private Capture capture(Path binary, int postmaster, ServerInfo server) {
        List<StapsdtNotes.Note> notes;
        Set<String> symbols;
        Map<String, Long> addresses;
        try {
            notes = StapsdtNotes.read(binary);
            symbols = StapsdtNotes.functionNames(binary);
            addresses = StapsdtNotes.addresses(binary, UprobeScript.ADDRESSES_USED);
        } catch (IOException e) {
            throw new PgbftraceException("cannot read the probes of " + binary + ": " + e.getMessage(), e);
        }
        String method = options.method();
        if (usesProbes(method, binary, !notes.isEmpty(), server)) {
            Set<String> functions = new java.util.HashSet<>(symbols);
            functions.retainAll(BpftraceScript.UPROBE_FUNCTIONS);
            int major = server.versionNum() / 10000;
            if (major < BpftraceScript.PIN_LAYOUT_FROM) {
                return new Capture(BpftraceScript.generate(binary.toString(), postmaster, notes, functions,
                        options.forcePairing(), options.output()), "usdt",
                        List.copyOf(new java.util.TreeSet<>(functions)), List.of());
            }
            return pinCapture(binary, postmaster, server, major, notes, symbols, functions);
        }
        if (options.forcePairing()) {
            throw PgbftraceException.usage("--outcome-method pairing is for USDT probes; uprobe capture reads the"
                    + " outcome itself");
        }
        UprobeScript.Script u;
        try {
            u = UprobeScript.generate(binary.toString(), postmaster, server.versionNum(), symbols, addresses,
                    options.output());
        } catch (PgbftraceException e) {
            if (method.equals("auto") && !notes.isEmpty()) {
                throw new PgbftraceException(binary + " has USDT probes, but " + USDT_VERSIONS + ", and this server"
                        + " is " + server.version() + "; and uprobe capture " + e.getMessage()
                        .substring("uprobe capture ".length()) + ": use an unstripped build", e);
            }
            throw new PgbftraceException(binary + (method.equals("auto") ? " has no USDT probes (built without"
                    + " --enable-dtrace), and " : ": ") + e.getMessage() + "; use a build with USDT probes (Debian's"
                    + " and Ubuntu's packages have them) or an unstripped one", e);
        }
        return new Capture(new BpftraceScript.Script(u.text(), UprobeScript.METHOD, null), "uprobe", u.functions(),
                u.notes());
    }

    /** USDT capture of PostgreSQL 16 and later (see {@link BpftraceScript#generatePins}). */
    private Capture pinCapture(Path binary, int postmaster, ServerInfo server, int major,
                               List<StapsdtNotes.Note> notes, Set<String> symbols, Set<String> functions) {
        if (options.forcePairing()) {
            throw PgbftraceException.usage("--outcome-method pairing reads the probes of PostgreSQL 13 to 15;"
                    + " this server is " + server.version());
        }
        BpftraceScript.Script script;
        try {
            script = BpftraceScript.generatePins(binary.toString(), postmaster, major, notes,
                    StapsdtNotes.functionRanges(binary), Set.copyOf(StapsdtNotes.addresses(binary,
                            BpftraceScript.READ_PATH).values()), symbols, server.blockSize(), options.output());
        } catch (IOException e) {
            throw new PgbftraceException("cannot read the symbol table of " + binary + ": " + e.getMessage(), e);
        }
        List<String> notesOut = new ArrayList<>();
        boolean async = major >= BpftraceScript.ASYNC_READS_FROM;
        if (async) {
            functions.addAll(List.of("mdstartreadv", "pgaio_io_process_completion"));
            notesOut.add(UprobeScript.ASYNC_READ_NOTE);
        }
        notesOut.add("buffer accesses, extensions and writes from USDT probes, each block counted where it was"
                + " pinned, as pg_statio counts it" + (functions.isEmpty() ? "" : "; uprobes on "
                + String.join(", ", new java.util.TreeSet<>(functions)) + " for "
                + (async ? "asynchronous kernel reads, " : "") + "rewrites and parallel workers' shares"));
        return new Capture(script, "usdt", List.copyOf(new java.util.TreeSet<>(functions)), notesOut);
    }

    private SessionMetadata metadata(ServerInfo server, ServerLocation where, Path binary, Path bpftrace,
                                     Capture capture) {
        BpftraceScript.Script script = capture.script();
        SessionMetadata m = new SessionMetadata();
        m.toolVersion = options.toolVersion();
        m.title = options.title();
        m.description = options.description();
        m.lookFor = options.lookFor();
        m.source = "record";
        m.state = "starting";
        m.hostName = hostName();
        m.postgres.version = server.version();
        m.postgres.versionNum = server.versionNum();
        m.postgres.blockSize = server.blockSize();
        m.postgres.sharedBuffers = server.sharedBuffers();
        m.postgres.sharedBuffersBlocks = server.sharedBuffersBlocks();
        m.postgres.ioMethod = server.ioMethod();
        m.postgres.postmasterPid = where.postmasterPid();
        if (where.container() != null) {
            ServerLocation.Container c = where.container();
            m.postgres.container = new SessionMetadata.Container();
            m.postgres.container.pidNamespace = c.pidNamespace();
            m.postgres.container.postmasterPid = c.postmasterPidInside();
            m.postgres.container.backendPid = c.backendPidInside();
            m.postgres.container.binary = c.binaryInside();
            m.postgres.container.root = c.root();
        }
        m.postgres.binary = binary.toString();
        m.postgres.connection = options.connection().describe();
        m.bpftrace.version = Preflight.bpftraceVersion(bpftrace);
        m.bpftrace.scriptFile = SessionFormat.SCRIPT_FILE;
        m.bpftrace.outcomeMethod = script.outcomeMethod();
        m.bpftrace.captureMethod = capture.method();
        m.bpftrace.functions = capture.functions();
        m.bpftrace.writeProbe = capture.method().equals("usdt") ? "buffer__flush__done"
                : "md layer writes in FlushBuffer";
        EventOutput output = options.output();
        m.bpftrace.output = output.mode().name().toLowerCase(Locale.ROOT);
        if (output.aggregates()) {
            m.bpftrace.sliceMs = output.sliceMs();
            m.bpftrace.aggregated = new ArrayList<>();
        }
        if (capture.method().equals("uprobe")) {
            m.notes.add("traced with uprobes on the buffer manager's functions (no USDT probes)");
        }
        m.notes.addAll(capture.notes());
        if (script.fallbackWhy() != null) {
            m.notes.add("HIT/MISS/EXTEND inferred by kernel-read pairing: " + script.fallbackWhy());
        }
        long self = ProcessHandle.current().pid();
        m.recorder.pid = self;
        m.recorder.processStart = RecorderProcess.startOf(self);
        m.recorder.backendPids = new ArrayList<>(recorderBackends);
        return m;
    }

    /** What the watching thread hands the writer thread at the end. */
    private record Ending(List<Relation> relations, List<String> notes, List<Integer> backendPids, String state,
                          String reason, boolean clean) {
    }

    private Summary record(Path bpftrace, SessionWriter writer, CatalogTracker catalog, List<Relation> startSnapshot,
                           SessionSwap swap, int postmaster) {
        BpftraceProcess bp = BpftraceProcess.start(bpftrace, writer.dir().resolve(SessionFormat.SCRIPT_FILE),
                options.bufferPages(), options.output().aggregates() ? EventOutput.MAP_KEYS : 0, options.env(),
                this::say);
        running = bp;
        WriterThread wt = new WriterThread(bp, writer, catalog, startSnapshot);
        wt.start();
        catalog.start();

        String failure = null;
        boolean attached = false;
        try {
            if (!awaitReady(bp)) {
                failure = wt.failure != null ? wt.failure : "bpftrace did not start: " + bp.problem();
            } else {
                attached = true;
                swap.commit();
                say("recording " + options.connection().describe() + " (postmaster pid " + postmaster + ") into "
                        + options.out() + "; Ctrl-C stops");
                started.complete(null);
                failure = watch(bp, wt, postmaster);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop.stop("interrupted");
        } finally {
            bp.stop(DRAIN_TIMEOUT_MS, this::say);
        }
        boolean drained = wt.awaitEndOfInput(DRAIN_TIMEOUT_MS);
        long endNs = System.nanoTime();
        if (failure == null && wt.failure != null) {
            failure = wt.failure;
        }

        catalog.stopLookups();
        Set<FileKey> seen = catalog.seenFiles();
        List<Relation> relations = new ArrayList<>(catalog.drainResolved());
        List<String> notes = new ArrayList<>();
        try {
            for (Relation r : catalog.snapshotAll("end")) {
                if (seen.contains(r.fileKey())) {
                    relations.add(r);
                }
            }
        } catch (SQLException | RuntimeException e) {
            // the server may be gone (that may be why we stopped): the events are recorded, finish the session
            notes.add("the catalog snapshot at the end failed: " + ConnectionSettings.oneLine(e.getMessage()));
        }
        List<FileKey> unresolved = catalog.unresolved();
        if (!unresolved.isEmpty()) {
            notes.add(unresolved.size() + " file(s) named by events had no relation in the catalog when looked"
                    + " up (created and dropped while recording, or never committed): " + abbreviate(unresolved));
        }
        Optional.ofNullable(catalog.lookupProblems()).ifPresent(notes::add);
        Optional.ofNullable(wt.badLines()).ifPresent(notes::add);
        String reason = failure != null ? failure : stop.reason() != null ? stop.reason() : "bpftrace exited";
        boolean clean = failure == null;
        wt.finish(new Ending(relations, notes, new ArrayList<>(recorderBackends), clean ? "complete" : "failed",
                reason, clean), endNs);
        if (!drained || !wt.awaitFinished(DRAIN_TIMEOUT_MS)) {
            say("the session writer did not finish within " + DRAIN_TIMEOUT_MS / 1000 + " s; " + options.out()
                    + " is left readable but incomplete");
        } else if (wt.finishFailure != null) {
            failure = (failure == null ? "" : failure + "; ") + "finishing the session failed: " + wt.finishFailure;
        }
        if (!attached && swap.replacing()) {
            swap.rollback();
            throw new PgbftraceException(failure + "; the earlier session in " + options.out() + " is unchanged");
        }
        if (failure != null) {
            throw new PgbftraceException(failure + " (the events up to then are kept in " + options.out() + ")");
        }
        return new Summary(options.out(), events.get(), lost.get(), reason, true,
                (endNs - (startNs == 0 ? endNs : startNs)) / 1e9, unresolved);
    }

    private boolean awaitReady(BpftraceProcess bp) throws InterruptedException {
        long deadline = System.currentTimeMillis() + READY_TIMEOUT_MS;
        while (System.currentTimeMillis() < deadline) {
            if (ready.await(100, TimeUnit.MILLISECONDS)) {
                return true;
            }
            if (!bp.isAlive() || stop.isStopped()) {
                return ready.getCount() == 0;
            }
        }
        return false;
    }

    /** Waits for a stop condition, telling progress; returns a failure or null. */
    private String watch(BpftraceProcess bp, WriterThread wt, int postmaster) throws InterruptedException {
        Optional<Instant> postmasterStart = ProcessHandle.of(postmaster).flatMap(h -> h.info().startInstant());
        long lastEvents = 0;
        long lastNs = startNs;
        while (true) {
            boolean stopped = stop.await(1000);
            long now = System.nanoTime();
            long n = events.get();
            listener.progress(now - startNs, n, (n - lastEvents) / Math.max(1e-9, (now - lastNs) / 1e9), lost.get());
            lastEvents = n;
            lastNs = now;
            if (stopped) {
                return wt.failure;
            }
            if (options.duration() != null && now - startNs >= options.duration().toNanos()) {
                stop.stop("duration " + options.duration().toString().substring(2).toLowerCase(Locale.ROOT)
                        + " reached");
            }
            if (!bp.isAlive()) {
                return "bpftrace exited unexpectedly: " + bp.problem();
            }
            // a restarted server has a new postmaster whose children the script does not trace
            if (!ProcessHandle.of(postmaster).filter(ProcessHandle::isAlive)
                    .flatMap(h -> h.info().startInstant()).equals(postmasterStart)) {
                return "the PostgreSQL server stopped or restarted (postmaster pid " + postmaster + " is gone);"
                        + " nothing after that could be traced: record again";
            }
        }
    }

    /**
     * The only thread that touches the session writer: start records, bpftrace's output, and the end, whose
     * contents the watching thread hands over through {@link #finish}.
     */
    private final class WriterThread extends Thread {
        private final BpftraceProcess bp;
        private final SessionWriter writer;
        private final CatalogTracker catalog;
        private final ProcessTracker processes = new ProcessTracker();
        private final List<Relation> startSnapshot;
        private final CountDownLatch endOfInput = new CountDownLatch(1);
        private final CompletableFuture<Ending> ending = new CompletableFuture<>();
        private final CountDownLatch finished = new CountDownLatch(1);
        private final AtomicLong badLines = new AtomicLong();
        private volatile String firstBadLine;
        private volatile long endNs;
        /** Set when writing failed (a full disk): the recording stops with it. */
        volatile String failure;
        volatile String finishFailure;
        private int ticks;
        /** Aggregated output: since when the current span of counts runs, or null. */
        private Long aggregatedSince;
        private long lostInMaps;

        WriterThread(BpftraceProcess bp, SessionWriter writer, CatalogTracker catalog, List<Relation> startSnapshot) {
            super("pgbftrace-writer");
            setDaemon(true);
            this.bp = bp;
            this.writer = writer;
            this.catalog = catalog;
            this.startSnapshot = startSnapshot;
        }

        @Override
        public void run() {
            try {
                for (Relation r : startSnapshot) {
                    appendRelation(r);
                }
                writer.writeMetadata();
                // bpftrace never waits for us (a stall here would make it drop events, or drain its maps late)
                new TraceLineParser(new Sink()).readAll(new StreamPump(bp.stdout(), PUMP_BYTES,
                        "pgbftrace-bpftrace-stdout"));
            } catch (IOException e) {
                // bpftrace's output closed under us: it is gone, which the watch reports
            } catch (RuntimeException e) {
                failure = "writing the session failed: " + (e instanceof PgbftraceException ? e.getMessage() : e);
                stop.stop(failure);
            }
            if (live != null) {
                live.publish();
            }
            endOfInput.countDown();
            try {
                finishSession(ending.join());
            } catch (RuntimeException e) {
                finishFailure = e instanceof PgbftraceException ? e.getMessage() : e.toString();
            } finally {
                finished.countDown();
            }
        }

        private void finishSession(Ending end) {
            SessionMetadata m = writer.metadata();
            m.notes.addAll(end.notes());
            try {
                drainLost();
                for (Relation r : end.relations()) {
                    writer.appendRelation(r);
                }
            } catch (PgbftraceException e) {
                m.notes.add("the end of the catalog could not be written: " + e.getMessage());
            }
            if (m.startMonotonicNs == null) { // bpftrace never attached
                m.startMonotonicNs = endNs;
                m.startWall = Instant.now().toString();
            }
            m.endMonotonicNs = endNs;
            m.endWall = Instant.now().toString();
            aggregated(endNs);
            noteAggregation(m);
            m.recorder.backendPids = end.backendPids();
            writer.finish(end.state(), end.reason(), end.clean());
        }

        boolean awaitEndOfInput(long ms) {
            return await(endOfInput, ms);
        }

        void finish(Ending end, long endNs) {
            this.endNs = endNs;
            ending.complete(end);
        }

        boolean awaitFinished(long ms) {
            return await(finished, ms);
        }

        private static boolean await(CountDownLatch latch, long ms) {
            try {
                return latch.await(ms, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }

        /** Closes the span of aggregated counts that is open, at {@code timeNs}. */
        private void aggregated(long timeNs) {
            if (aggregatedSince != null) {
                List<SessionMetadata.Span> spans = writer.metadata().bpftrace.aggregated;
                spans.add(new SessionMetadata.Span(aggregatedSince, Math.max(aggregatedSince, timeNs)));
                aggregatedSince = null;
            }
        }

        /** What the views say about aggregated counts: when, and what they do not know. */
        private void noteAggregation(SessionMetadata m) {
            List<SessionMetadata.Span> spans = m.bpftrace.aggregated;
            if (lostInMaps > 0) {
                m.notes.add(String.format(Locale.ROOT, "%,d buffer events were counted but could not be kept: a"
                        + " slice held more than %,d distinct blocks and backends, or bpftrace fell behind in"
                        + " draining them; record with a shorter --aggregate", lostInMaps, EventOutput.MAP_KEYS));
            }
            if (spans == null || spans.isEmpty()) {
                return; // every event has its own time
            }
            long total = spans.stream().mapToLong(sp -> sp.toNs - sp.fromNs).sum();
            String when = options.output().mode() == EventOutput.Mode.AGGREGATE ? "the whole session"
                    : String.format(Locale.ROOT, "%.1f s of it, in %d span(s) of a high event rate", total / 1e9,
                    spans.size());
            m.notes.add(String.format(Locale.ROOT, "buffer events were counted per %d ms slice (%s): their counts"
                    + " are exact, but their order and times inside a slice are not known (they are laid evenly"
                    + " over it), and statements are not marked", m.bpftrace.sliceMs, when));
        }

        String badLines() {
            long n = badLines.get();
            return n == 0 ? null : n + " bpftrace output line(s) could not be parsed; first: " + firstBadLine;
        }

        private void appendRelation(Relation r) {
            writer.appendRelation(r);
            if (live != null) {
                live.relation(r);
            }
        }

        private void drainLost() {
            long n = bp.takeLostOnStderr();
            if (n > 0) {
                lost.addAndGet(n);
                writer.appendLost(System.nanoTime(), n);
            }
        }

        private final class Sink implements TraceLineParser.Sink {
            @Override
            public void event(Event e) {
                Long max = options.maxEvents();
                if (max != null && events.get() >= max) {
                    return;
                }
                catalog.noteEvent(e);
                processes.noteEvent(e);
                // before the batch that holds the pid's first event: readers know a parallel worker's leader
                // by the time they see its accesses
                processes.drain().forEach(writer::appendProcess);
                writer.append(e);
                if (live != null) {
                    live.event(e);
                }
                if (events.incrementAndGet() == (max == null ? -1 : max)) {
                    stop.stop("--max-events " + max + " reached");
                }
            }

            @Override
            public void mode(long timeNs, boolean aggregate) {
                if (aggregate && aggregatedSince == null) {
                    aggregatedSince = timeNs;
                } else if (!aggregate) {
                    aggregated(timeNs);
                }
                writer.writeMetadata();
            }

            @Override
            public void lostInMaps(long count) {
                lostInMaps += count;
                lost(count);
            }

            @Override
            public void ready(long timeNs) {
                SessionMetadata m = writer.metadata();
                if (options.output().mode() == EventOutput.Mode.AGGREGATE) {
                    aggregatedSince = timeNs;
                }
                startNs = System.nanoTime();
                m.startWall = Instant.now().toString();
                m.startMonotonicNs = startNs;
                m.state = "recording";
                writer.writeMetadata();
                ready.countDown();
            }

            @Override
            public void tick(long timeNs) {
                // at most one tick (100 ms) of events is in memory: what a kill -9 can lose
                writer.flush();
                drainLost();
                for (Relation r : catalog.drainResolved()) {
                    appendRelation(r);
                }
                if (live != null) {
                    live.tick(timeNs);
                }
                if (++ticks % METADATA_TICKS == 0) {
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
            public void bad(long lineNumber, int lines, String line, String why) {
                if (badLines.getAndAdd(lines) == 0) {
                    firstBadLine = why + ": " + line;
                }
            }
        }
    }

    private void say(String line) {
        listener.say("pgbftrace record: " + line);
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
