package io.pgbftrace.capture;

import io.pgbftrace.session.PgbftraceException;
import io.pgbftrace.session.SessionFormat;
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
        assertFalse(Files.exists(session));
    }

    @Test
    void bpftraceMissingFromPathSaysHowToInstallIt() {
        PgbftraceException e = assertThrows(PgbftraceException.class,
                () -> Preflight.findBpftrace(Map.of("PATH", tmp.toString())));
        assertEquals("bpftrace not found on PATH; install it with: apt-get install bpftrace", e.getMessage());
    }
}
