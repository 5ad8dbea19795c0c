package io.pgbftrace.cli;

import com.sun.net.httpserver.HttpExchange;
import io.pgbftrace.capture.LiveCounts;
import io.pgbftrace.capture.Recorder;
import io.pgbftrace.replay.ReplayServer;
import io.pgbftrace.session.EventKind;
import io.pgbftrace.session.PgbftraceException;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code record --metrics-port}: Prometheus metrics of a running recording through the official Java client, read
 * at each scrape from what the recorder has written (so they equal the session's figures), and {@code /health}.
 */
final class RecordMetrics implements AutoCloseable {
    /** The writer is called behind when bpftrace's last tick it handled is older than this. */
    static final double MAX_LAG_SECONDS = 5;

    private final Recorder recorder;
    private final LiveCounts live;
    private final HTTPServer server;

    private RecordMetrics(Recorder recorder, String bind, int port, int top) {
        this.recorder = recorder;
        this.live = recorder.live();
        PrometheusRegistry registry = new PrometheusRegistry();
        CounterWithCallback.builder().name("pgbftrace_events")
                .help("Events written to the session, by kind (HIT, MISS, EXTEND, READ, WRITE, QUERY, ...)")
                .labelNames("kind")
                .callback(cb -> {
                    for (EventKind k : EventKind.values()) {
                        cb.call(live.events(k), k.name());
                    }
                }).register(registry);
        CounterWithCallback.builder().name("pgbftrace_lost_events")
                .help("Events bpftrace could not hand over (its ring buffer was full, or its maps)")
                .callback(cb -> cb.call(recorder.lostSoFar())).register(registry);
        CounterWithCallback.builder().name("pgbftrace_relation_accesses")
                .help("Buffer accesses (hits, misses, extends) of the " + top + " busiest relations so far")
                .labelNames("database", "relation")
                .callback(cb -> {
                    for (Map.Entry<LiveCounts.RelationName, Long> e : busiest(live.accessesByRelation(), top)) {
                        cb.call(e.getValue(), e.getKey().database(), e.getKey().name());
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("pgbftrace_recorder_lag_seconds")
                .help("How far the session writer is behind bpftrace's clock (its last tick handled, every 100 ms)")
                .callback(cb -> cb.call(lagSeconds())).register(registry);
        GaugeWithCallback.builder().name("pgbftrace_bpftrace_up")
                .help("1 while bpftrace is running, else 0")
                .callback(cb -> cb.call(recorder.bpftraceAlive() ? 1 : 0)).register(registry);
        try {
            this.server = HTTPServer.builder().hostname(bind).port(port).registry(registry)
                    .defaultHandler(this::health).buildAndStart();
        } catch (BindException e) {
            throw new PgbftraceException(ReplayServer.bindProblem(bind, port, e, "--metrics-port", "--metrics-bind"), e);
        } catch (IOException e) {
            throw new PgbftraceException("cannot serve metrics on " + bind + ":" + port + ": " + e.getMessage(), e);
        }
    }

    static RecordMetrics start(Recorder recorder, String bind, int port, int top) {
        return new RecordMetrics(recorder, bind, port, top);
    }

    int port() {
        return server.getPort();
    }

    static List<Map.Entry<LiveCounts.RelationName, Long>> busiest(Map<LiveCounts.RelationName, Long> all, int top) {
        return all.entrySet().stream()
                .sorted(Map.Entry.<LiveCounts.RelationName, Long>comparingByValue(Comparator.reverseOrder())
                        .thenComparing(e -> e.getKey().name()).thenComparing(e -> e.getKey().database()))
                .limit(top).toList();
    }

    private double lagSeconds() {
        long tick = live.lastTickNs();
        return tick == 0 || !recorder.bpftraceAlive() ? 0 : Math.max(0, (System.nanoTime() - tick) / 1e9);
    }

    /** {@code /health}: 200 while recording and keeping up, 503 saying why not; anything else 404. */
    private void health(HttpExchange x) throws IOException {
        int status;
        String body;
        if (!x.getRequestURI().getPath().equals("/health")) {
            status = 404;
            body = "not found: /metrics has the metrics, /health the recording's health\n";
        } else if (!recorder.bpftraceAlive()) {
            status = 503;
            body = "bpftrace is not running\n";
        } else if (live.lastTickNs() == 0) {
            status = 503;
            body = "starting\n";
        } else if (lagSeconds() > MAX_LAG_SECONDS) {
            status = 503;
            body = String.format(Locale.ROOT, "the recorder is %.1f s behind bpftrace%n", lagSeconds());
        } else {
            status = 200;
            body = "recording\n";
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        x.sendResponseHeaders(status, bytes.length);
        try (OutputStream o = x.getResponseBody()) {
            o.write(bytes);
        }
    }

    @Override
    public void close() {
        server.close();
    }
}
