package io.pgbftrace.replay;

import io.pgbftrace.session.PgbftraceException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.pgbftrace.session.Marker;
import io.pgbftrace.session.Relation;
import io.pgbftrace.session.SessionMetadata;
import io.pgbftrace.session.SessionReader;
import io.pgbftrace.session.SessionStatus;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Serves one session to the replay page: the page's files (from the jar, a fixed list: nothing else is served)
 * and a small JSON + binary API. Bad requests get a 4xx with a one-line JSON error, never a stack trace.
 */
public final class ReplayServer implements AutoCloseable {
    /** The page's files, served from resources/replay/. */
    static final Map<String, String> ASSETS = Map.of(
            "index.html", "text/html; charset=utf-8",
            "app.js", "text/javascript; charset=utf-8",
            "api.js", "text/javascript; charset=utf-8",
            "grid.js", "text/javascript; charset=utf-8",
            "timeline.js", "text/javascript; charset=utf-8",
            "style.css", "text/css; charset=utf-8");
    static final int MAX_SLICES = 4096;
    static final double MAX_WINDOW_SECONDS = 3600;
    private static final ObjectMapper JSON = new ObjectMapper();
    static final long MAX_REQUEST_MS = 10_000;

    static {
        // read once by the JDK's HTTP server when it first loads: a client that sends half a request is cut off
        System.setProperty("sun.net.httpserver.maxReqTime", Long.toString(MAX_REQUEST_MS));
        System.setProperty("sun.net.httpserver.maxRspTime", Long.toString(6 * MAX_REQUEST_MS));
    }

    private final ReplayIndex index;
    private final HttpServer http;
    /**
     * A thread per connection (cached, so one slow client never holds up another); the JDK server closes a
     * connection whose request takes longer than {@link #MAX_REQUEST_MS} (see the static block).
     */
    private final ExecutorService workers = Executors.newCachedThreadPool(daemon("pgbftrace-replay-http"));
    private final ScheduledExecutorService background = Executors.newSingleThreadScheduledExecutor(
            daemon("pgbftrace-replay-index"));
    private final double speed;
    private final boolean follow;
    private final Map<String, byte[]> assets = new HashMap<>();
    /** The colours shared with the report (palette/palette.css). */
    private final byte[] palette = io.pgbftrace.report.Palette.css().getBytes(StandardCharsets.UTF_8);
    /** The first failure of the background pass; it stops following and is shown in /api/session. */
    private volatile String backgroundError;
    private final java.io.PrintStream log;

    private ReplayServer(ReplayIndex index, HttpServer http, double speed, boolean follow, java.io.PrintStream log) {
        this.log = log;
        this.index = index;
        this.http = http;
        this.speed = speed;
        this.follow = follow;
    }

    /**
     * Opens the session and starts serving.
     *
     * @param port 0 picks a free port
     */
    public static ReplayServer start(Path session, String bind, int port, double speed, boolean follow,
                                     boolean includeRecorder) {
        return start(session, bind, port, speed, follow, includeRecorder, System.err);
    }

    /** Opens the session and starts serving; problems met while serving are said on {@code log}. */
    public static ReplayServer start(Path session, String bind, int port, double speed, boolean follow,
                                     boolean includeRecorder, java.io.PrintStream log) {
        SessionReader reader = SessionReader.open(session);
        ReplayIndex index = new ReplayIndex(reader, includeRecorder);
        HttpServer http;
        try {
            http = HttpServer.create(new InetSocketAddress(bind, port), 64);
        } catch (BindException e) {
            index.close();
            throw new PgbftraceException(bindProblem(bind, port, e), e);
        } catch (IOException | IllegalArgumentException e) {
            index.close();
            throw new PgbftraceException("cannot listen on " + bind + ":" + port + ": " + e.getMessage(), e);
        }
        ReplayServer s = new ReplayServer(index, http, speed, follow, log);
        s.loadAssets();
        http.createContext("/", s::handle);
        http.setExecutor(s.workers);
        http.start();
        if (follow) {
            s.background.scheduleWithFixedDelay(() -> s.guarded(() -> {
                index.refresh();
                index.scanMarkers();
            }), 0, 250, TimeUnit.MILLISECONDS);
        } else {
            s.background.execute(() -> s.guarded(index::scanMarkers));
        }
        return s;
    }

    /**
     * Runs a step of the background pass; a failure is kept (the page shows it), said once on the log, and ends
     * the pass instead of silently cancelling every later run.
     */
    private void guarded(Runnable step) {
        if (backgroundError != null) {
            return;
        }
        try {
            step.run();
        } catch (RuntimeException | Error e) {
            backgroundError = e instanceof PgbftraceException ? e.getMessage()
                    : "reading the session failed: " + e;
            index.markScanDone();
            log.println("pgbftrace replay: " + backgroundError + "; the page shows what was read before");
            log.flush();
        }
    }

    /** Why a port cannot be had, in words: in use, reserved for root, or not an address of this machine. */
    public static String bindProblem(String bind, int port, BindException e) {
        return bindProblem(bind, port, e, "--port", "--bind");
    }

    /** The same, naming the options that chose the port and the address. */
    public static String bindProblem(String bind, int port, BindException e, String portOption, String bindOption) {
        String m = String.valueOf(e.getMessage());
        if (m.contains("Permission denied") || m.contains("Access denied")) {
            return "port " + port + " needs root (ports below 1024 are reserved); choose " + portOption
                    + " 1024 or above, or 0 for a free one";
        }
        if (m.contains("assign requested address")) {
            return bindOption + " " + bind + " is not an address of this machine; use 127.0.0.1 (this machine only)"
                    + " or 0.0.0.0 (every interface)";
        }
        return "port " + port + " on " + bind + " is in use; choose another with " + portOption
                + " (0 picks a free one)";
    }

    private void loadAssets() {
        for (String name : ASSETS.keySet()) {
            try (InputStream in = ReplayServer.class.getResourceAsStream("/replay/" + name)) {
                if (in == null) {
                    throw new PgbftraceException("the replay page file replay/" + name + " is missing from the build",
                            null);
                }
                assets.put(name, in.readAllBytes());
            } catch (IOException e) {
                throw new PgbftraceException("cannot read replay/" + name + ": " + e.getMessage(), e);
            }
        }
    }

    public int port() {
        return http.getAddress().getPort();
    }

    /** Whether other machines can reach the server (it listens on every interface or a non-loopback one). */
    public boolean reachableFromOtherMachines() {
        return !http.getAddress().getAddress().isLoopbackAddress();
    }

    public URI url() {
        String host = http.getAddress().getAddress().isAnyLocalAddress() ? hostName()
                : http.getAddress().getHostString();
        return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port() + "/");
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "127.0.0.1";
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        try {
            String rawPath = ex.getRequestURI().getRawPath();
            if (rawPath.contains("..") || rawPath.contains("%2e%2e") || rawPath.contains("%2E%2E")) {
                error(ex, 400, "paths with '..' are not served");
                return;
            }
            if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
                error(ex, 405, "only GET is served");
                return;
            }
            Map<String, String> q = query(ex.getRequestURI().getRawQuery());
            switch (rawPath) {
                case "/", "/index.html" -> asset(ex, "index.html");
                case "/api/session" -> json(ex, session());
                case "/api/relations" -> json(ex, relations());
                case "/api/markers" -> json(ex, markers());
                case "/api/events" -> events(ex, q);
                case "/api/next" -> json(ex, next(q));
                case "/static/palette.css" -> send(ex, 200, "text/css; charset=utf-8", palette);
                default -> {
                    if (rawPath.startsWith("/static/") && ASSETS.containsKey(rawPath.substring(8))) {
                        asset(ex, rawPath.substring(8));
                    } else {
                        error(ex, 404, "no such path: " + rawPath);
                    }
                }
            }
        } catch (BadRequest e) {
            error(ex, e.status, e.getMessage());
        } catch (PgbftraceException e) {
            log.println("pgbftrace replay: " + e.getMessage());
            error(ex, 500, e.getMessage());
        } catch (RuntimeException e) {
            log.println("pgbftrace replay: internal error answering " + ex.getRequestURI().getRawPath() + ": " + e);
            error(ex, 500, "internal error: " + e.getClass().getSimpleName());
        } finally {
            ex.close(); // after the catch blocks, which still answer on it
        }
    }

    private static final class BadRequest extends RuntimeException {
        final int status;

        BadRequest(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    private void events(HttpExchange ex, Map<String, String> q) throws IOException {
        double from = number(q, "from", null);
        double to = number(q, "to", null);
        int slices = (int) number(q, "slices", 60.0);
        if (!(from >= 0) || !(to > from) || to - from > MAX_WINDOW_SECONDS) {
            throw new BadRequest(400, "from and to must be seconds with 0 <= from < to and to - from <= "
                    + (int) MAX_WINDOW_SECONDS);
        }
        if (slices < 1 || slices > MAX_SLICES) {
            throw new BadRequest(400, "slices must be between 1 and " + MAX_SLICES);
        }
        double end = (index.endNs() - index.startNs()) / 1e9;
        if (from > end && (index.ended() || !follow)) {
            throw new BadRequest(416, String.format(java.util.Locale.ROOT,
                    "the window starts at %.3f s, past the end of the session (%.3f s)", from, end));
        }
        java.util.Set<Integer> relations = null;
        String rels = q.get("rels");
        if (rels != null) {
            relations = new java.util.HashSet<>();
            for (String id : rels.split(",")) {
                if (id.isBlank()) {
                    continue;
                }
                try {
                    relations.add(Integer.parseInt(id.trim()));
                } catch (NumberFormatException e) {
                    throw new BadRequest(400, "rels must be relation ids separated by commas, not " + abbreviate(rels));
                }
            }
        }
        byte[] body = EventWindow.encode(index, from, to, slices, relations);
        send(ex, 200, "application/octet-stream", body);
    }

    private static double number(Map<String, String> q, String name, Double fallback) {
        String v = q.get(name);
        if (v == null) {
            if (fallback == null) {
                throw new BadRequest(400, "missing parameter " + name);
            }
            return fallback;
        }
        try {
            double d = Double.parseDouble(v);
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            throw new BadRequest(400, "parameter " + name + " is not a number: " + abbreviate(v));
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new HashMap<>();
        if (raw == null) {
            return out;
        }
        for (String part : raw.split("&")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                out.put(java.net.URLDecoder.decode(part.substring(0, eq), StandardCharsets.UTF_8),
                        java.net.URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    /** The first event after {@code after} seconds: {@code {"t": seconds}} or {@code {"t": null}} at the end. */
    private ReplayApi.Next next(Map<String, String> q) {
        double after = number(q, "after", null);
        if (!(after >= -1)) {
            throw new BadRequest(400, "after must be seconds from the session start");
        }
        long start = index.startNs();
        java.util.OptionalLong t = index.nextEventAfter(start + (long) Math.floor(after * 1e9));
        return new ReplayApi.Next(t.isPresent() ? (t.getAsLong() - start) / 1e9 : null);
    }

    ReplayApi.Session session() {
        SessionMetadata m = index.metadata();
        boolean alive = index.recorderAlive();
        return new ReplayApi.Session(m.title, m.description, m.lookFor, m.postgres.version, m.postgres.ioMethod,
                m.postgres.sharedBuffers,
                m.postgres.blockSize, m.source, m.startWall, (index.endNs() - index.startNs()) / 1e9, index.events(),
                index.batchCount(), index.ended(), follow,
                follow && !index.ended() && alive && backgroundError == null,
                SessionStatus.of(m, index.ended(), alive, index.damage()).text(), index.damage().orElse(null),
                backgroundError, speed, index.markerScanDone(), index.markerScanProgress(),
                m.lostEvents(index.lostEvents()), m.toolVersion, m.aggregation(index.startNs()));
    }

    List<ReplayApi.Relation> relations() {
        List<ReplayApi.Relation> out = new ArrayList<>();
        long start = index.startNs();
        for (ReplayIndex.Entry e : index.entries()) {
            if (!e.touched) {
                continue; // the catalog lists every relation of the cluster; the page wants those with events
            }
            Relation r = e.relation;
            Long size = r == null ? null : r.sizeBlocks();
            out.add(new ReplayApi.Relation(e.id, r == null ? "relfilenode " + e.file : r.qualifiedName(),
                    r == null ? null : r.database(), r == null ? "unknown" : r.kind(),
                    r != null && r.kind().equals("index"), r != null && r.system(),
                    r == null ? null : r.parentName(), size, Math.max(e.maxBlock + 1, size == null ? 0 : size),
                    e.cellBlocks(), e.appearsAtNs == Long.MIN_VALUE || e.appearsAtNs == Long.MAX_VALUE ? null
                    : Math.max(0, (e.appearsAtNs - start) / 1e9)));
        }
        return out;
    }

    ReplayApi.Markers markers() {
        // read before the markers: a pass that ends between the two would otherwise say "ready" over a list it
        // had not finished (the page, and a test, then took a session for one without markers)
        boolean done = index.markerScanDone();
        long start = index.startNs();
        List<ReplayApi.Marker> list = new ArrayList<>();
        for (Marker k : index.markers()) {
            list.add(new ReplayApi.Marker((k.timeNs() - start) / 1e9, k.kind().name(), k.pid(), k.text(),
                    k.value()));
        }
        return new ReplayApi.Markers(done, index.markersDropped(), list);
    }

    private void asset(HttpExchange ex, String name) throws IOException {
        send(ex, 200, ASSETS.get(name), assets.get(name));
    }

    private static void json(HttpExchange ex, Object body) throws IOException {
        send(ex, 200, "application/json", JSON.writeValueAsBytes(body));
    }

    private static void error(HttpExchange ex, int status, String message) throws IOException {
        send(ex, status, "application/json", JSON.writeValueAsBytes(new ReplayApi.Error(message)));
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(status, head ? -1 : body.length);
        if (!head) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    @Override
    public void close() {
        http.stop(0);
        background.shutdownNow();
        workers.shutdownNow();
        index.close();
    }
}
