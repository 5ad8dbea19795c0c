package io.pgbftrace.replay;

import io.pgbftrace.report.Browser;
import io.pgbftrace.report.GoldenSession;
import io.pgbftrace.session.Event;
import io.pgbftrace.session.EventKind;
import io.pgbftrace.session.RecorderProcess;
import io.pgbftrace.session.Relation;
import io.pgbftrace.session.SessionMetadata;
import io.pgbftrace.session.SessionWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import io.pgbftrace.report.LeakCheck;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The replay page in real headless Chromium. */
@ExtendWith(LeakCheck.class)
class ReplayBrowserTest {
    @TempDir
    Path tmp;

    static Object js(ChromeDriver d, String script) {
        return d.executeScript("return " + script);
    }

    static double num(ChromeDriver d, String script) {
        return ((Number) js(d, script)).doubleValue();
    }

    static void await(String what, BooleanSupplier ok) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 15_000;
        while (!ok.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    static void shot(ChromeDriver d, String name) throws Exception {
        Path p = Path.of("target", name);
        Files.createDirectories(p.getParent());
        Files.write(p, d.getScreenshotAs(OutputType.BYTES));
    }

    @Test
    void loadsListsPlaysSeeksAndChangesSpeed() throws Exception {
        Browser.require();
        try (ReplayServer server = ReplayServer.start(GoldenSession.write(tmp.resolve("golden"), true), "127.0.0.1",
                0, 1, false, false)) {
            ChromeDriver d = Browser.start(tmp.resolve("profile"), 1300, 900);
            try {
                d.get(server.url().toString());
                await("the page", () -> "true".equals(js(d, "document.body.dataset.ready")));
                await("the relations", () -> d.findElements(By.cssSelector("#tables input")).size() >= 1);
                assertTrue(d.findElement(By.id("tables")).getText().contains("public.orders"));
                assertTrue(d.findElement(By.id("indexes")).getText().contains("public.orders_pkey"));
                assertFalse(d.findElement(By.id("tables")).getText().contains("pg_class"), "system hidden by default");
                assertFalse(d.findElement(By.id("tables")).getText().contains("77777"), "its first event is at 8 s");
                await("auto-selected cards", () -> d.findElements(By.cssSelector("#cards .card")).size() >= 2);

                d.findElement(By.id("play")).click();
                await("events played", () -> num(d, "window.pgbftrace.played") > 0);
                double first = num(d, "window.pgbftrace.played");
                await("the counter advancing", () -> num(d, "window.pgbftrace.played") > first);
                assertEquals("Pause", d.findElement(By.id("play")).getText());

                d.findElement(By.tagName("body")).sendKeys(" "); // pause, so the counter holds still
                assertEquals("Play", d.findElement(By.id("play")).getText());
                d.findElement(By.tagName("body")).sendKeys("5"); // jump to 50%
                double t = num(d, "window.pgbftrace.t");
                assertEquals(5.0, t, 1e-9, "seek to 50% of 10 s");
                double playedAtSeek = num(d, "window.pgbftrace.played");

                d.findElement(By.cssSelector("#presets button[data-speed='10']")).click();
                assertEquals(10.0, num(d, "window.pgbftrace.speed"));
                d.findElement(By.id("play")).click();
                double before = num(d, "window.pgbftrace.t");
                Thread.sleep(300);
                double after = num(d, "window.pgbftrace.t");
                assertTrue(after - before > 1.0 || after >= 9.99, "at 10x, 0.3 s moves > 1 s: " + before + " -> " + after);
                await("the share link", () -> d.getCurrentUrl().contains("speed=10"));
                await("the end", () -> num(d, "window.pgbftrace.t") >= 9.99);
                // from 5 s on: 200 index hits, 20 writes, 2 checkpoint markers, one catalog access, one unknown file
                await("every event after the seek", () -> num(d, "window.pgbftrace.played") - playedAtSeek == 224);
                await("a file that appears mid-session", () -> d.findElement(By.id("tables")).getText()
                        .contains("relfilenode 16384/1663/77777"));
                shot(d, "replay-screenshot.png");

                // a share link restores time and speed
                d.get(server.url() + "#t=3.002&speed=0.25");
                d.navigate().refresh();
                await("the page again", () -> "true".equals(js(d, "document.body.dataset.ready")));
                assertEquals(0.25, num(d, "window.pgbftrace.speed"));
                assertEquals(3.002, num(d, "window.pgbftrace.t"), 1e-6);
                d.findElement(By.id("step")).click();
                await("a step", () -> num(d, "window.pgbftrace.played") > 0);
                assertTrue(num(d, "window.pgbftrace.t") > 3.002, "step moves to the next batch of events");
                shot(d, "replay-misses.png");
            } finally {
                d.quit();
            }
        }
    }

    /**
     * The PostgreSQL 18 sample, stepped through its cold scan: the subtitle names the io_method, and the table's
     * cells light in whole reads of 16, the blocks of one asynchronous read (its misses count at one instant).
     */
    @Test
    void theAsynchronousSampleLightsWholeReadsOfSixteenBlocks() throws Exception {
        Browser.require();
        Path session = Path.of("..", "samples", "seqscan-async", "session");
        try (ReplayServer server = ReplayServer.start(session, "127.0.0.1", 0, 0.01, false, false)) {
            ChromeDriver d = Browser.start(tmp.resolve("profile"), 1300, 900);
            try {
                d.get(server.url().toString());
                await("the page", () -> "true".equals(js(d, "document.body.dataset.ready")));
                assertTrue(d.findElement(By.id("subtitle")).getText()
                        .startsWith("PostgreSQL 18.6 (Debian 18.6-3) · io_method worker · shared_buffers 128MB"),
                        d.findElement(By.id("subtitle")).getText());
                await("the card of public.big", () -> cells(d, "public.big")[1] >= 0);
                java.util.Map<Long, Integer> steps = new java.util.TreeMap<>();
                long seen = 0;
                for (int i = 0; i < 400 && seen < 2000; i++) {
                    d.findElement(By.id("step")).click();
                    long now = cells(d, "public.big")[1];
                    if (now > seen) {
                        steps.merge(now - seen, 1, Integer::sum);
                    }
                    seen = now;
                }
                assertEquals(2000, seen, "the whole table was scanned: " + steps);
                // a step plays the reads of one frame: 1, 2, 4, 8 blocks while the stream ramps up, then whole
                // reads of 16 (one last block ends the table)
                long ragged = steps.entrySet().stream().filter(e -> e.getKey() > 8 && e.getKey() % 16 != 0)
                        .mapToLong(java.util.Map.Entry::getValue).sum();
                assertTrue(ragged <= 1 && steps.keySet().stream().filter(k -> k % 16 == 0).mapToLong(k -> k
                        * steps.get(k)).sum() >= 1900, "blocks newly lit per step: " + steps);
                shot(d, "replay-async.png");
            } finally {
                d.quit();
            }
        }
    }

    /** Cells of the card of a relation: {lit now, touched so far}, from the page's own state. */
    static long[] cells(ChromeDriver d, String relation) {
        @SuppressWarnings("unchecked")
        java.util.List<Number> v = (java.util.List<Number>) js(d, "(() => { const c = [...window.pgbftrace.cards.values()]"
                + ".find(c => c.rel.name === '" + relation + "'); if (!c) return [-1, -1]; let lit = 0, seen = 0;"
                + " for (let i = 0; i < c.cells; i++) { if (c.heat[3 * i] > 0 || c.heat[3 * i + 1] > 0"
                + " || c.heat[3 * i + 2] > 0) lit++; if (c.total(i) > 0) seen++; } return [lit, seen]; })()");
        return new long[]{v.get(0).longValue(), v.get(1).longValue()};
    }

    /** Pixels of a relation's canvas that differ from its most common colour (the untouched cells). */
    static long pixelsLit(ChromeDriver d, String relation) {
        return ((Number) js(d, "(() => { const card = [...window.pgbftrace.cards.values()].find(c => c.rel.name === '"
                + relation + "'); const cv = card.canvas; const px = cv.getContext('2d').getImageData(0, 0, cv.width,"
                + " cv.height).data; const n = new Map(); for (let i = 0; i < px.length; i += 4) { const k = px[i] << 16"
                + " | px[i + 1] << 8 | px[i + 2]; n.set(k, (n.get(k) || 0) + 1); } const common = Math.max(...n.values());"
                + " return px.length / 4 - common; })()")).longValue();
    }

    /**
     * The golden session scans public.orders from 1 s to 2 s (block i at 1 s + i ms), then idles until misses at
     * 3 s. A link into the middle of the scan shows it as if played there; step at 0.01x crosses the idle second;
     * a bad link says so; lit cells go dark within a second; a stopped server is said and stops the clock.
     */
    @Test
    void seeksShowThePictureStepsCrossIdleTimeAndProblemsAreSaid() throws Exception {
        Browser.require();
        ReplayServer server = ReplayServer.start(GoldenSession.write(tmp.resolve("golden"), true), "127.0.0.1",
                0, 1, false, false);
        ChromeDriver d = Browser.start(tmp.resolve("profile"), 1300, 900);
        try {
            d.get(server.url() + "#t=1.5&speed=0.1");
            await("the page", () -> "true".equals(js(d, "document.body.dataset.ready")));
            await("the scan's picture at 1.5 s", () -> cells(d, "public.orders")[1] >= 500);
            long[] c = cells(d, "public.orders");
            assertTrue(c[1] >= 500 && c[1] <= 510, "blocks 0-499 were read before 1.5 s: " + c[1]);
            assertTrue(c[0] > 0, "the accesses just before 1.5 s are lit: " + c[0]);
            assertTrue(pixelsLit(d, "public.orders") > 500, "what the canvas shows");
            assertEquals(501, num(d, "window.pgbftrace.played"), 1, "events before 1.5 s: a query and 500 hits");
            shot(d, "replay-seek-mid-scan.png");
            Thread.sleep(1200);
            assertEquals(0, cells(d, "public.orders")[0], "lit cells fade within the trail (0.6 s), paused or not");

            d.get(server.url() + "#t=2.5&speed=0.01");
            d.navigate().refresh();
            await("the page at 2.5 s", () -> "true".equals(js(d, "document.body.dataset.ready"))
                    && num(d, "window.pgbftrace.t") == 2.5);
            double played = num(d, "window.pgbftrace.played");
            d.findElement(By.id("step")).click();
            await("a step over the idle second", () -> num(d, "window.pgbftrace.t") >= 3.0);
            assertTrue(num(d, "window.pgbftrace.t") < 3.01, "to the next events, not beyond");
            await("their events played", () -> num(d, "window.pgbftrace.played") > played);
            assertTrue(d.findElement(By.id("paused-at")).getText().contains("stepped over"),
                    d.findElement(By.id("paused-at")).getText());

            d.get(server.url() + "#t=abc&speed=2");
            d.navigate().refresh();
            await("the page with a bad link", () -> "true".equals(js(d, "document.body.dataset.ready")));
            assertTrue(d.findElement(By.id("notice")).isDisplayed());
            assertTrue(d.findElement(By.id("notice")).getText().contains("t=abc"), d.findElement(By.id("notice")).getText());
            assertEquals(0.0, num(d, "window.pgbftrace.t"));
            assertEquals("0.000", d.findElement(By.id("elapsed")).getText());
            assertEquals(2.0, num(d, "window.pgbftrace.speed"), "the good part of the link is kept");

            d.findElement(By.id("play")).click();
            server.close();
            await("the server gone, said", () -> d.findElement(By.id("error")).isDisplayed()
                    && d.findElement(By.id("error")).getText().contains("not answering"));
            assertEquals("Play", d.findElement(By.id("play")).getText(), "playback stopped");
            double t1 = num(d, "window.pgbftrace.t");
            Thread.sleep(400);
            assertEquals(t1, num(d, "window.pgbftrace.t"), "the clock stopped");
            shot(d, "replay-server-gone.png");
        } finally {
            d.quit();
            server.close();
        }
    }

    @Test
    void followSeesEventsOfASessionStillBeingWritten() throws Exception {
        Browser.require();
        Path dir = tmp.resolve("live");
        SessionMetadata m = new SessionMetadata();
        m.title = "live";
        m.source = "record";
        m.state = "recording";
        long pid = ProcessHandle.current().pid();
        m.recorder.pid = pid;
        m.recorder.processStart = RecorderProcess.startOf(pid);
        m.startMonotonicNs = System.nanoTime();
        try (SessionWriter w = SessionWriter.create(dir, m)) {
            w.appendRelation(new Relation(5, "shop", 1663, 500, 500, "public", "live_t", "table", "permanent", null,
                    null, 100L, false, false, m.startMonotonicNs, "start"));
            w.append(Event.access(EventKind.HIT, System.nanoTime(), 9, 5, 1663, 500, 0, 0, false));
            w.flush();
            w.writeMetadata();
            try (ReplayServer server = ReplayServer.start(dir, "127.0.0.1", 0, 1, true, false)) {
                ChromeDriver d = Browser.start(tmp.resolve("profile"), 1300, 900);
                try {
                    d.get(server.url().toString());
                    await("the page", () -> "true".equals(js(d, "document.body.dataset.ready")));
                    assertTrue(d.findElement(By.id("live")).isDisplayed(), "LIVE badge");
                    double playedBefore = num(d, "window.pgbftrace.played");
                    boolean lateAdded = false;
                    long until = System.currentTimeMillis() + 4000;
                    int block = 1;
                    while (System.currentTimeMillis() < until) {
                        for (int i = 0; i < 20; i++) {
                            w.append(Event.access(EventKind.HIT, System.nanoTime(), 9, 5, 1663, 500, 0, block++ % 100,
                                    false));
                        }
                        if (!lateAdded && System.currentTimeMillis() > until - 2500) {
                            // a table created while recording: catalog record, then its events
                            w.appendRelation(new Relation(5, "shop", 1663, 600, 600, "public", "late_t", "table",
                                    "permanent", null, null, 10L, false, false, System.nanoTime(), "lookup"));
                            lateAdded = true;
                        }
                        if (lateAdded) {
                            w.append(Event.access(EventKind.MISS, System.nanoTime(), 9, 5, 1663, 600, 0, block % 10,
                                    false));
                        }
                        w.flush();
                        Thread.sleep(200);
                    }
                    await("new events played live", () -> num(d, "window.pgbftrace.played") > playedBefore + 50);
                    await("the new table listed", () -> d.findElement(By.id("tables")).getText().contains("public.late_t"));
                    shot(d, "replay-follow.png");
                } finally {
                    d.quit();
                }
            }
            w.finish("complete", "test", true);
        }
    }
}
