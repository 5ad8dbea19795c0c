package io.pgbftrace.bench;

import io.pgbftrace.replay.ReplayServer;
import io.pgbftrace.report.Browser;
import io.pgbftrace.report.HtmlReport;
import io.pgbftrace.report.ReportOptions;
import io.pgbftrace.session.SessionFormat;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Measures the session format, the replay server and page, and the report on a large synthetic session. Not part
 * of the test run; run it with:
 * <pre>
 * mvn -pl report test -Dbench.exclude=none -Dtest=SessionBenchmark [-Dbench.events=100000000]
 * </pre>
 * It prints its figures and writes them to target/bench/results.txt. It asserts nothing about time.
 */
@Tag("benchmark")
class SessionBenchmark {
    private final List<String> lines = new ArrayList<>();

    private void say(String format, Object... args) {
        String line = String.format(Locale.ROOT, format, args);
        System.out.println("[bench] " + line);
        lines.add(line);
    }

    @Test
    void measure() throws Exception {
        long events = Long.getLong("bench.events", 100_000_000L);
        long rate = Long.getLong("bench.rate", 100_000L);
        Path root = Path.of("target", "bench");
        Path session = root.resolve("session-" + events);
        Files.createDirectories(root);
        say("machine: %d cores, java %s", Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));

        if (!Files.exists(session.resolve(SessionFormat.METADATA_FILE))) {
            long t0 = System.nanoTime();
            SyntheticSession.write(session, events, rate);
            double s = (System.nanoTime() - t0) / 1e9;
            say("write: %,d events (%,d/s of session time) in %.1f s = %,.0f events/s", events, rate, s, events / s);
        }
        long bytes = folderBytes(session.resolve(SessionFormat.QUEUE_DIR));
        say("format: %,d bytes on disk for %,d events = %.2f bytes/event (Chronicle headers and index included)",
                bytes, events, (double) bytes / events);

        long t0 = System.nanoTime();
        try (ReplayServer server = ReplayServer.start(session, "127.0.0.1", 0, 1, false, false)) {
            say("replay open (time index from batch headers): %.0f ms", (System.nanoTime() - t0) / 1e6);
            double duration = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                    URI.create("http://127.0.0.1:" + server.port() + "/api/session").toURL()).get("duration").asDouble();
            Random rnd = new Random(1);
            for (double span : new double[]{0.1, 1, 100}) {
                List<Double> ms = new ArrayList<>();
                long served = 0;
                for (int i = 0; i < 20; i++) {
                    double from = rnd.nextDouble() * Math.max(0, duration - span);
                    long s0 = System.nanoTime();
                    served += get(server, String.format(Locale.ROOT, "/api/events?from=%.6f&to=%.6f&slices=60",
                            from, from + span));
                    ms.add((System.nanoTime() - s0) / 1e6);
                }
                Collections.sort(ms);
                say("seek: window of %.1f s (%,.0f events) at random positions: median %.1f ms, max %.1f ms, %,d"
                        + " bytes/response", span, span * rate, ms.get(ms.size() / 2), ms.get(ms.size() - 1),
                        served / 20);
            }
            fps(server, 1);
            fps(server, 100);
        }

        long r0 = System.nanoTime();
        HtmlReport.Result r = HtmlReport.write(new ReportOptions(session, null, false, null, null,
                ReportOptions.DEFAULT_BINS, true, null, false), root.resolve("report.html"), n -> { });
        double rs = (System.nanoTime() - r0) / 1e9;
        say("report: %,d events in %.1f s = %,.0f events/s (one pass), %,d bytes", r.events(), rs, r.events() / rs,
                r.bytes());
        Files.write(root.resolve("results.txt"), lines);
    }

    static final int CARDS = 20;

    private void fps(ReplayServer server, int speed) throws Exception {
        if (!Files.isExecutable(Path.of("/usr/bin/chromium"))) {
            say("fps: skipped, no chromium");
            return;
        }
        ChromeDriver d = Browser.start(Path.of("target", "bench", "profile-" + speed), 1400, 1000);
        try {
            d.get(server.url() + "#t=0&speed=" + speed);
            long deadline = System.currentTimeMillis() + 30_000;
            while (!"true".equals(d.executeScript("return document.body.dataset.ready"))
                    && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
            }
            while (d.findElements(By.cssSelector("#cards .card")).size() < 8 && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
            }
            // 20 relations shown: the auto-selected 8 and 12 more, as a teacher comparing many would
            for (var box : d.findElements(By.cssSelector("#sidebar input[data-relation]:not(:checked)"))) {
                if (d.findElements(By.cssSelector("#cards .card")).size() >= CARDS) {
                    break;
                }
                box.click();
            }
            d.findElement(By.id("play")).click();
            Thread.sleep(1000);
            d.executeScript("Object.assign(window.pgbftrace.cost, {frames: 0, play: 0, draw: 0, decode: 0})");
            double played0 = ((Number) d.executeScript("return window.pgbftrace.played")).doubleValue();
            double t0 = ((Number) d.executeScript("return window.pgbftrace.t")).doubleValue();
            List<Double> samples = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                Thread.sleep(1000);
                samples.add(((Number) d.executeScript("return window.pgbftrace.fps")).doubleValue());
            }
            double played1 = ((Number) d.executeScript("return window.pgbftrace.played")).doubleValue();
            double t1 = ((Number) d.executeScript("return window.pgbftrace.t")).doubleValue();
            Collections.sort(samples);
            say("page at %dx, %d cards: %.0f fps median, %.0f min over 8 s; session time advanced %.0f s in 8 s;"
                            + " %,.0f events played per second", speed, d.findElements(By.cssSelector("#cards .card")).size(),
                    samples.get(4), samples.get(0), t1 - t0, (played1 - played0) / 8);
            @SuppressWarnings("unchecked")
            var cost = (java.util.Map<String, Number>) d.executeScript("return window.pgbftrace.cost");
            double frames = Math.max(1, cost.get("frames").doubleValue());
            say("page at %dx: per frame %.1f ms playing records, %.1f ms drawing, %.1f ms decoding windows",
                    speed, cost.get("play").doubleValue() / frames, cost.get("draw").doubleValue() / frames,
                    cost.get("decode").doubleValue() / frames);
            String error = d.findElement(By.id("error")).getText();
            if (!error.isBlank()) {
                say("page at %dx: the page said: %s", speed, error);
            }
        } finally {
            d.quit();
        }
    }

    private static long get(ReplayServer server, String path) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + server.port() + path).toURL()
                .openConnection();
        try (InputStream in = c.getInputStream()) {
            return in.readAllBytes().length;
        }
    }

    private static long folderBytes(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }
}
