package io.pgbftrace.capture;

import io.pgbftrace.session.PgbftraceException;
import io.pgbftrace.session.SessionFormat;
import java.util.List;
import io.pgbftrace.session.RecorderProcess;
import io.pgbftrace.session.SessionMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PreflightTest {
    @TempDir
    Path tmp;

    @Test
    void aNewOrEmptyOutputIsFine() throws IOException {
        Preflight.checkOutput(tmp.resolve("new"), false);
        Files.createDirectory(tmp.resolve("empty"));
        Preflight.checkOutput(tmp.resolve("empty"), false);
    }

    @Test
    void aFolderInUseIsRefusedAndForceReplacesOnlyASession() throws IOException {
        Path other = Files.createDirectory(tmp.resolve("other"));
        Files.writeString(other.resolve("thesis.tex"), "precious");
        PgbftraceException e = assertThrows(PgbftraceException.class, () -> Preflight.checkOutput(other, false));
        assertEquals("--out " + other + " exists and is not empty; choose another folder", e.getMessage());
        assertTrue(e.isUsage());
        e = assertThrows(PgbftraceException.class, () -> Preflight.checkOutput(other, true));
        assertTrue(e.getMessage().contains("--force only replaces an earlier session"), e.getMessage());
        assertTrue(Files.exists(other.resolve("thesis.tex")), "nothing was deleted");

        Path session = Files.createDirectories(tmp.resolve("s/events"));
        Files.writeString(tmp.resolve("s").resolve(SessionFormat.METADATA_FILE), "{}");
        e = assertThrows(PgbftraceException.class, () -> Preflight.checkOutput(tmp.resolve("s"), false));
        assertTrue(e.getMessage().endsWith("or add --force to replace the session in it"), e.getMessage());
        Preflight.checkOutput(tmp.resolve("s"), true);
        assertTrue(Files.exists(session), "checks change nothing: the old session goes only when a new one starts");
    }

    @Test
    void forceNeverReplacesASessionThatIsBeingRecorded() throws IOException {
        Path s = Files.createDirectories(tmp.resolve("live/events")).getParent();
        SessionMetadata m = new SessionMetadata();
        m.state = "recording";
        m.recorder.pid = ProcessHandle.current().pid(); // this process plays the live recorder
        m.recorder.processStart = RecorderProcess.startOf(m.recorder.pid);
        new com.fasterxml.jackson.databind.ObjectMapper().writeValue(s.resolve(SessionFormat.METADATA_FILE).toFile(), m);
        PgbftraceException e = assertThrows(PgbftraceException.class, () -> Preflight.checkOutput(s, true));
        assertTrue(e.isUsage());
        assertTrue(e.getMessage().contains("is being recorded right now by pid " + m.recorder.pid), e.getMessage());
        m.recorder.processStart = "2001-01-01T00:00:00Z"; // the same pid, another process: not live
        new com.fasterxml.jackson.databind.ObjectMapper().writeValue(s.resolve(SessionFormat.METADATA_FILE).toFile(), m);
        Preflight.checkOutput(s, true);
    }

    @Test
    void aSwapPutsTheOldSessionBackWhenTheNewOneNeverStarted() throws IOException {
        Path s = Files.createDirectories(tmp.resolve("old"));
        Files.writeString(s.resolve(SessionFormat.METADATA_FILE), "old");
        SessionSwap swap = SessionSwap.begin(s);
        assertTrue(swap.replacing());
        assertFalse(Files.exists(s));
        Files.createDirectories(s);
        Files.writeString(s.resolve(SessionFormat.METADATA_FILE), "new, failed");
        swap.rollback();
        assertEquals("old", Files.readString(s.resolve(SessionFormat.METADATA_FILE)));
        swap = SessionSwap.begin(s);
        Files.createDirectories(s);
        Files.writeString(s.resolve(SessionFormat.METADATA_FILE), "new");
        swap.commit();
        assertEquals("new", Files.readString(s.resolve(SessionFormat.METADATA_FILE)));
        try (var list = Files.list(tmp)) {
            assertEquals(List.of(s), list.toList(), "nothing left aside");
        }
    }

    @Test
    void bpftraceMissingFromPathSaysHowToInstallIt() {
        PgbftraceException e = assertThrows(PgbftraceException.class,
                () -> Preflight.findBpftrace(Map.of("PATH", tmp.toString())));
        assertEquals("bpftrace not found on PATH; install it with: apt-get install bpftrace", e.getMessage());
    }
}
