package io.pgbftrace.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PackCommandTest {
    private static final Path TOUR = SamplesTest.SAMPLES.resolve("tour").resolve("session");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private Path pack() {
        Path pack = tmp.resolve("tour.pgbftrace.zip");
        Cli r = Cli.run("pack", TOUR.toString(), "-o", pack.toString());
        assertEquals(ExitCodes.OK, r.code(), r.err());
        assertTrue(r.out().startsWith("packed " + TOUR + " (4 files"), r.out());
        return pack;
    }

    @Test
    void packAndUnpackGiveTheSameFilesAndTheSameSession() throws Exception {
        Path pack = pack();
        assertTrue(Files.size(pack) < sizeOf(TOUR) / 4, "compressed");
        Path out = tmp.resolve("unpacked");
        Cli r = Cli.run("unpack", pack.toString(), "--out", out.toString());
        assertEquals(ExitCodes.OK, r.code(), r.err());
        List<Path> files = files(TOUR);
        assertEquals(files, files(out));
        for (Path f : files) {
            assertArrayEquals(Files.readAllBytes(TOUR.resolve(f)), Files.readAllBytes(out.resolve(f)), f.toString());
        }
        assertEquals(infoJson(TOUR.toString()).get("relations"), infoJson(out.toString()).get("relations"));
    }

    @Test
    void infoQueriesAndReportOpenAPackDirectlyAndLeaveNothingBehind() throws Exception {
        Path pack = pack();
        long before = unpackedFolders();
        JsonNode packed = infoJson(pack.toString());
        JsonNode folder = infoJson(TOUR.toString());
        assertEquals(folder.get("relations"), packed.get("relations"));
        assertEquals(pack.toString(), packed.get("session").get("path").asText(), "named as the user named it");
        JsonNode queries = JSON.readTree(Cli.run("queries", pack.toString(), "--json").out());
        assertEquals(pack.toString(), queries.get("session").asText());
        assertEquals(JSON.readTree(Cli.run("queries", TOUR.toString(), "--json").out()).get("statementRows"),
                queries.get("statementRows"));
        Path html = tmp.resolve("tour.html");
        Cli r = Cli.run("report", pack.toString(), "-o", html.toString());
        assertEquals(ExitCodes.OK, r.code(), r.err());
        assertTrue(Files.readString(html).contains("A tour: misses, hits and the ring buffer"));
        assertEquals(before, unpackedFolders(), "the temporary folders are gone");
    }

    @Test
    void truncatedBitFlippedAndForeignFilesAreRefusedWithOneLineAndNothingLeft() throws Exception {
        byte[] good = Files.readAllBytes(pack());
        Path truncated = tmp.resolve("truncated.pgbftrace.zip");
        Files.write(truncated, java.util.Arrays.copyOf(good, good.length * 2 / 3));
        refused(truncated, "is not a pgbftrace pack (not a ZIP archive, or cut short");

        // a flipped bit near the start, a third and half way in: headers or compressed data
        for (int at : new int[]{200, good.length / 3, good.length / 2}) {
            byte[] b = good.clone();
            b[at] ^= 0x10;
            Path flipped = tmp.resolve("flipped-" + at + ".pgbftrace.zip");
            Files.write(flipped, b);
            refused(flipped, "");
        }

        Path text = tmp.resolve("notes.txt");
        Files.writeString(text, "not a pack");
        refused(text, "is not a pgbftrace pack (not a ZIP archive");

        Path plainZip = tmp.resolve("plain.zip");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(plainZip))) {
            z.putNextEntry(new ZipEntry("session.json"));
            z.write("{}".getBytes());
        }
        refused(plainZip, "is not a pgbftrace pack: it has no pgbftrace-pack.json");

        // a manifest that lists a path outside the folder
        Path escape = tmp.resolve("escape.pgbftrace.zip");
        ObjectNode m = JSON.createObjectNode().put("pack", 1).put("session", "x");
        m.putArray("files").addObject().put("path", "../evil").put("bytes", 1).put("sha256", "00");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(escape))) {
            z.putNextEntry(new ZipEntry("pgbftrace-pack.json"));
            z.write(JSON.writeValueAsBytes(m));
            z.putNextEntry(new ZipEntry("../evil"));
            z.write('x');
        }
        refused(escape, "is damaged: its pgbftrace-pack.json lists a file it may not hold: ../evil");
        assertFalse(Files.exists(tmp.getParent().resolve("evil")));
    }

    @Test
    void unpackNeverWritesIntoAnExistingFolder() throws Exception {
        Path pack = pack();
        Path out = Files.createDirectory(tmp.resolve("there"));
        Cli r = Cli.run("unpack", pack.toString(), "--out", out.toString());
        assertEquals(ExitCodes.USAGE, r.code());
        assertEquals("pgbftrace unpack: " + out + " exists: unpack into a new folder\n", r.firstErr());
        try (Stream<Path> s = Files.list(out)) {
            assertEquals(0, s.count());
        }
    }

    @Test
    void aPackIsNotWrittenIntoTheSessionItPacks() throws Exception {
        Path copy = tmp.resolve("copy");
        for (Path f : files(TOUR)) {
            Files.createDirectories(copy.resolve(f).getParent());
            Files.copy(TOUR.resolve(f), copy.resolve(f));
        }
        Cli r = Cli.run("pack", copy.toString(), "-o", copy.resolve("x.zip").toString());
        assertEquals(ExitCodes.USAGE, r.code());
        assertTrue(r.firstErr().contains("is inside the session folder"), r.err());
        assertEquals(files(TOUR), files(copy));
    }

    @Test
    void aSessionStillBeingRecordedIsNotPacked() throws Exception {
        Path live = tmp.resolve("live");
        io.pgbftrace.session.SessionMetadata m = new io.pgbftrace.session.SessionMetadata();
        m.recorder.pid = ProcessHandle.current().pid(); // this JVM: a recorder that is alive
        m.recorder.processStart = io.pgbftrace.session.RecorderProcess.startOf(m.recorder.pid);
        try (io.pgbftrace.session.SessionWriter w = io.pgbftrace.session.SessionWriter.create(live, m)) {
            w.append(io.pgbftrace.session.Event.access(io.pgbftrace.session.EventKind.HIT, 1, 2, 5, 1663, 16384, 0,
                    0, false));
            w.flush();
            w.writeMetadata();
            Path out = tmp.resolve("live.pgbftrace.zip");
            Cli r = Cli.run("pack", live.toString(), "-o", out.toString());
            assertEquals(ExitCodes.FAILED, r.code(), r.err());
            assertEquals("pgbftrace pack: " + live + " is still being recorded (pid " + m.recorder.pid + "): stop"
                    + " the recording first, then pack it\n", r.firstErr());
            assertFalse(Files.exists(out));
        }
    }

    /** Unpack refuses the file with one line and exit 1, and leaves no folder, temporary or not. */
    private void refused(Path file, String message) throws IOException {
        Path out = tmp.resolve("out");
        Cli r = Cli.run("unpack", file.toString(), "--out", out.toString());
        assertEquals(ExitCodes.FAILED, r.code(), r.err());
        assertTrue(r.oneLineError(), r.err());
        assertTrue(r.firstErr().startsWith("pgbftrace unpack: " + file + " "), r.err());
        assertTrue(r.firstErr().contains(message), r.err());
        assertFalse(Files.exists(out), out + " was left behind");
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(List.of(), s.filter(p -> p.getFileName().toString().contains("unpacking")).toList());
        }
        Cli info = Cli.run("info", file.toString());
        assertEquals(ExitCodes.FAILED, info.code(), info.err());
        assertTrue(info.oneLineError(), info.err());
    }

    private static JsonNode infoJson(String session) throws IOException {
        Cli r = Cli.run("info", session, "--json");
        assertEquals(ExitCodes.OK, r.code(), r.err());
        return JSON.readTree(r.out());
    }

    private static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).map(dir::relativize).sorted().toList();
        }
    }

    private static long sizeOf(Path dir) throws IOException {
        long n = 0;
        for (Path f : files(dir)) {
            n += Files.size(dir.resolve(f));
        }
        return n;
    }

    private static long unpackedFolders() throws IOException {
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.filter(p -> p.getFileName().toString().startsWith("pgbftrace-unpacked-")).count();
        }
    }
}
