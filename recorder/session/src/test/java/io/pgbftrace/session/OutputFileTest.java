package io.pgbftrace.session;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OutputFileTest {
    @TempDir
    Path tmp;

    private static OutputFile.Content text(String s) {
        return out -> out.write(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aDeviceIsNeverReplaced() throws IOException {
        Path dev = Path.of("/dev/null");
        PgbftraceException e = assertThrows(PgbftraceException.class, () -> OutputFile.write(dev, "-o", text("x")));
        assertTrue(e.isUsage());
        assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
        assertFalse(Files.isRegularFile(dev), "/dev/null must stay a device");
        try (Stream<Path> s = Files.list(Path.of("/dev"))) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".null.")), "no temp file in /dev");
        }
    }

    @Test
    void aFifoIsNeverReplaced() throws Exception {
        Path fifo = tmp.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        assertThrows(PgbftraceException.class, () -> OutputFile.write(fifo, "-o", text("x")));
        assertFalse(Files.isRegularFile(fifo, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void aSymbolicLinkAndItsTargetAreLeftAlone() throws IOException {
        Path target = Files.writeString(tmp.resolve("precious"), "keep me");
        Path link = Files.createSymbolicLink(tmp.resolve("report.html"), target);
        PgbftraceException e = assertThrows(PgbftraceException.class, () -> OutputFile.write(link, "-o", text("x")));
        assertTrue(e.getMessage().contains("symbolic link"), e.getMessage());
        assertEquals("keep me", Files.readString(target));
        assertTrue(Files.isSymbolicLink(link));
    }

    @Test
    void aPlantedTemporaryNameIsNotFollowed() throws IOException {
        // the old code wrote OUT.tmp: a link planted under that name made it write through the link
        Path target = Files.writeString(tmp.resolve("precious"), "keep me");
        Files.createSymbolicLink(tmp.resolve("r.html.tmp"), target);
        Files.createSymbolicLink(tmp.resolve(".r.html.tmp"), target);
        OutputFile.write(tmp.resolve("r.html"), "-o", text("report"));
        assertEquals("keep me", Files.readString(target));
        assertEquals("report", Files.readString(tmp.resolve("r.html")));
    }

    @Test
    void nothingIsWrittenInsideASession() throws IOException {
        Path session = tmp.resolve("s");
        Files.createDirectories(session.resolve(SessionFormat.QUEUE_DIR));
        Files.writeString(session.resolve(SessionFormat.METADATA_FILE), "{}");
        for (Path out : new Path[]{session.resolve(SessionFormat.METADATA_FILE), session.resolve("r.html"),
                session.resolve(SessionFormat.QUEUE_DIR).resolve("x.html")}) {
            PgbftraceException e = assertThrows(PgbftraceException.class, () -> OutputFile.write(out, "-o",
                    text("x")));
            assertTrue(e.isUsage());
            assertTrue(e.getMessage().contains("inside the session folder"), e.getMessage());
        }
        assertEquals("{}", Files.readString(session.resolve(SessionFormat.METADATA_FILE)));
    }

    @Test
    void aFailureLeavesTheOldFileAndNoTemporaryFile() throws IOException {
        Path out = Files.writeString(tmp.resolve("r.html"), "old");
        assertThrows(PgbftraceException.class, () -> OutputFile.write(out, "-o", o -> {
            o.write("half".getBytes(StandardCharsets.UTF_8));
            throw new IOException("No space left on device");
        }));
        assertEquals("old", Files.readString(out));
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(1, s.count(), "only the old file");
        }
    }

    @Test
    void aRegularFileIsReplacedWholeKeepingItsPermissions() throws IOException {
        Path out = Files.writeString(tmp.resolve("r.html"), "old");
        Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rw-r-----"));
        assertEquals(3, OutputFile.write(out, "-o", text("new")));
        assertEquals("new", Files.readString(out));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(out)));
        Path fresh = tmp.resolve("fresh.html");
        OutputFile.write(fresh, "-o", text("x"));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh)));
    }

    @Test
    void diskFullIsOneLineThatSaysWhatToDo() {
        String why = OutputFile.reason(new java.nio.file.FileSystemException("/x", null, "No space left on device"),
                tmp);
        assertTrue(why.startsWith("no space left on the device of " + tmp), why);
        assertTrue(why.contains("free some space"), why);
    }
}
