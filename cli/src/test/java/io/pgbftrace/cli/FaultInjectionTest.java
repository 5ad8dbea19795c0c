package io.pgbftrace.cli;

import io.pgbftrace.replay.ReplayServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Damaged files, bad inputs and a full disk, through the real commands: every case ends in one line that names
 * the input, exit 1 or 2, no stack trace, and whatever was complete stays readable.
 */
class FaultInjectionTest {
    private static final Path SAMPLE = Path.of("../samples/tour/session").toAbsolutePath().normalize();

    @TempDir
    Path tmp;
    private final List<Path> mounts = new ArrayList<>();

    @AfterEach
    void unmount() throws Exception {
        for (Path m : mounts) {
            new ProcessBuilder("umount", "-l", m.toString()).start().waitFor();
        }
    }

    private Path copySample(String name) throws IOException {
        Path dir = tmp.resolve(name);
        try (Stream<Path> s = Files.walk(SAMPLE)) {
            for (Path p : s.toList()) {
                Path to = dir.resolve(SAMPLE.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to);
                }
            }
        }
        return dir;
    }

    private static Path queueFile(Path session) throws IOException {
        try (Stream<Path> s = Files.list(session.resolve("events"))) {
            return s.filter(p -> p.toString().endsWith(".cq4")).findFirst().orElseThrow();
        }
    }

    /** What any command must do with a damaged session: read what it can, say one line, never crash. */
    private static void assertCalm(Cli r, String what) {
        assertTrue(r.code() == 0 || r.code() == 1, what + ": exit " + r.code() + "\n" + r.err());
        assertFalse(r.err().contains("internal error") || r.err().contains("Exception") || r.err().contains("\tat "),
                what + ": " + r.err());
        assertTrue(r.err().strip().lines().count() <= 1, what + ": more than one line:\n" + r.err());
    }

    /**
     * Where the written part of a queue file ends: Chronicle preallocates the file and leaves the rest zero, and
     * every document starts on a 4-byte boundary, so it is the last non-zero byte rounded up to 4.
     */
    static long writtenEnd(Path queue) throws IOException {
        byte[] b = Files.readAllBytes(queue);
        int last = b.length - 1;
        while (last >= 0 && b[last] == 0) {
            last--;
        }
        return (last + 1 + 3) & ~3L;
    }

    @Test
    void aQueueFileCutAnywhereIsReadUpToTheCut() throws Exception {
        long size = Files.size(queueFile(SAMPLE));
        long events = InfoCommandTest.totalEvents(Cli.run("info", SAMPLE.toString(), "--json").out());
        long before = -1;
        long written = writtenEnd(queueFile(SAMPLE));
        for (long cut : new long[]{0, 3, 40, 200, 4096, 40_000, 100_000, 150_000, 200_000, written - 1000, written - 20,
                written, size - 236, size - 1}) {
            Path s = copySample("cut-" + cut);
            try (RandomAccessFile f = new RandomAccessFile(queueFile(s).toFile(), "rw")) {
                f.setLength(cut);
            }
            Cli info = Cli.run("info", s.toString(), "--json");
            assertCalm(info, "info after a cut at " + cut);
            long read = InfoCommandTest.totalEvents(info.out());
            assertTrue(read >= before, "a later cut reads no fewer events");
            before = read;
            if (cut < written) { // a cut inside what was written (the end record is last) is damage
                assertEquals(1, info.code(), "cut at " + cut + ": " + info.err());
                assertTrue(info.err().contains(queueFile(s).toString()) && info.err().contains("at byte"), info.err());
            } else {
                assertEquals(0, info.code(), info.err());
                assertEquals(events, read);
            }
            Cli report = Cli.run("report", s.toString(), "-o", tmp.resolve("r-" + cut + ".html").toString());
            assertCalm(report, "report after a cut at " + cut);
        }
    }

    @Test
    void flippedBytesNeverCrashAnyView() throws Exception {
        Random random = new Random(42);
        Path q = queueFile(SAMPLE);
        long size = writtenEnd(q); // the written part of the sample's file
        for (int i = 0; i < 40; i++) {
            Path s = copySample("flip-" + i);
            long at = i < 4 ? i : random.nextLong(size);
            try (RandomAccessFile f = new RandomAccessFile(queueFile(s).toFile(), "rw")) {
                f.seek(at);
                int b = f.read();
                f.seek(at);
                f.write(b ^ (1 << random.nextInt(8)));
            }
            assertCalm(Cli.run("info", s.toString()), "info, bit flipped at " + at + " of " + q.getFileName());
            assertCalm(Cli.run("report", s.toString(), "-o", tmp.resolve("f" + i + ".html").toString()),
                    "report, bit flipped at " + at);
            try (ReplayServer server = ReplayServer.start(s, "127.0.0.1", 0, 1, false, false)) {
                HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        server.url().resolve("/api/session")).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode());
            } catch (io.pgbftrace.session.PgbftraceException e) {
                // refusing with one line is fine too
            }
        }
    }

    @Test
    void anEmptyOrMissingQueueFileIsDamageNotAnEmptySession() throws Exception {
        Path empty = copySample("empty");
        Files.write(queueFile(empty), new byte[0]);
        long started = System.nanoTime();
        Cli r = Cli.run("info", empty.toString());
        assertTrue(System.nanoTime() - started < 5_000_000_000L, "no wait for a file to appear");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("is empty"), r.err());

        Path missing = copySample("missing");
        Files.delete(queueFile(missing));
        r = Cli.run("info", missing.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("holds no event file"), r.err());

        Path folder = copySample("folder");
        Path q = queueFile(folder);
        Files.delete(q);
        Files.createDirectory(q);
        assertCalm(Cli.run("info", folder.toString()), "a .cq4 that is a folder");
        assertEquals(1, Cli.run("info", folder.toString()).code());
    }

    @Test
    void damagedMetadataIsOneLine() throws Exception {
        Path s = copySample("meta");
        Path meta = s.resolve("session.json");
        String json = Files.readString(meta);
        Files.writeString(meta, json.replaceAll("\"(notes|postgres|recorder|eventCounts|bpftrace)\" : ", "\"$1\" : null, \"x$1\" : "));
        Cli r = Cli.run("info", s.toString());
        assertEquals(0, r.code(), r.err()); // nulls read as absent
        Files.writeString(meta, json.replace("\"format\" : \"pgbftrace-session\",", ""));
        r = Cli.run("info", s.toString());
        assertEquals(1, r.code());
        assertTrue(r.oneLineError() && r.err().contains("has no \"format\""), r.err());
        Files.writeString(meta, "{\"format\": \"pgbftrace-session\"");
        r = Cli.run("info", s.toString());
        assertEquals(1, r.code());
        assertTrue(r.oneLineError() && r.err().contains("is not valid session metadata"), r.err());
    }

    @Test
    void reportNeverWritesIntoASessionOrOverADevice() throws Exception {
        Path s = copySample("s");
        String before = Files.readString(s.resolve("session.json"));
        Cli r = Cli.run("report", s.toString(), "-o", s.resolve("session.json").toString());
        assertEquals(ExitCodes.USAGE, r.code());
        assertTrue(r.firstErr().contains("inside the session folder"), r.err());
        assertEquals(before, Files.readString(s.resolve("session.json")));
        assertEquals(0, Cli.run("info", s.toString()).code());

        r = Cli.run("report", s.toString(), "-o", "/dev/null");
        assertEquals(ExitCodes.USAGE, r.code());
        assertFalse(Files.isRegularFile(Path.of("/dev/null")));

        r = Cli.run("report", s.toString(), "-o", "-");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("<!DOCTYPE html>") && r.out().strip().endsWith("</html>"));
        assertTrue(r.err().startsWith("wrote standard output"), r.err());
    }

    private Path smallDisk(String name, String size) throws Exception {
        Path dir = Files.createDirectory(tmp.resolve(name));
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir.toString())
                .redirectErrorStream(true).start();
        Prerequisites.require(p.waitFor() == 0, "mounting a small tmpfs (root) for the full-disk test failed: "
                + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        mounts.add(dir);
        return dir;
    }

    @Test
    void aDiskFillingUpDuringImportStopsCleanlyAndKeepsWhatWasWritten() throws Exception {
        Path disk = smallDisk("disk", "2m");
        Path trace = tmp.resolve("trace.txt");
        try (var w = Files.newBufferedWriter(trace)) {
            w.write("R 1000\n");
            Random random = new Random(1);
            for (int i = 0; i < 600_000; i++) {
                w.write("A " + (2000 + i * 1000L) + " 100 1663 5 " + (16384 + random.nextInt(50)) + " 0 "
                        + random.nextInt(200_000) + " 1 " + random.nextInt(3) + "\n");
            }
        }
        Path out = disk.resolve("s");
        Cli r = Cli.run("import", trace.toString(), "--out", out.toString());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.oneLineError() && r.err().contains("is full"), r.err());
        Cli info = Cli.run("info", out.toString(), "--json");
        assertEquals(0, info.code(), info.err());
        assertTrue(info.out().contains("\"status\" : \"failed: the disk of"), info.out());
        long kept = InfoCommandTest.totalEvents(info.out());
        assertTrue(kept > 10_000, "the batches before the disk filled are readable: " + kept);
    }

    @Test
    void importKeepsEveryValidLineAndCountsTheRest() throws Exception {
        Path trace = tmp.resolve("t.txt");
        StringBuilder b = new StringBuilder("R 1000\nQ 1001 7 select 1\n"); // a query line cut off
        for (int i = 0; i < 300; i++) {
            b.append("A ").append(2000 + i).append(" 7 5 1663 16384 0 ").append(i).append(" -1 0\n");
        }
        Files.writeString(trace, b);
        Cli r = Cli.run("import", trace.toString(), "--out", tmp.resolve("s").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("imported 300 events"), r.out());
        assertTrue(r.err().contains("skipped 1 bad line(s)"), r.err());

        Path garbage = tmp.resolve("garbage.bin");
        byte[] bytes = new byte[3 << 20];
        new Random(3).nextBytes(bytes);
        Files.write(garbage, bytes);
        r = Cli.run("import", garbage.toString(), "--out", tmp.resolve("g").toString());
        assertEquals(0, r.code(), r.err());
        Cli info = Cli.run("info", tmp.resolve("g").toString());
        assertEquals(0, info.code(), info.err());
        assertTrue(info.out().contains("status      complete"), info.out());
    }
}
