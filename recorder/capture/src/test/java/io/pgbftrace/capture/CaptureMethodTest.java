package io.pgbftrace.capture;

import io.pgbftrace.session.PgbftraceException;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which capture a binary gets: USDT only where this tool reads the probes' layout (13 to 19). */
class CaptureMethodTest {
    private static final Path BIN = Path.of("/pg/bin/postgres");

    private static ServerInfo server(String version, int versionNum) {
        return new ServerInfo(version, versionNum, 8192, "128MB", 16384, 42, 5, "postgres", null);
    }

    @Test
    void autoReadsTheProbesOf13To19AndTracesOtherVersionsWithUprobes() {
        assertTrue(Recorder.usesProbes("auto", BIN, true, server("15.14", 150014)));
        assertTrue(Recorder.usesProbes("auto", BIN, true, server("13.23", 130023)));
        assertTrue(Recorder.usesProbes("auto", BIN, true, server("17.12", 170012)));
        assertTrue(Recorder.usesProbes("auto", BIN, true, server("19.0", 190000)));
        // a later version's probes may have changed again: never read with 19's layout
        assertFalse(Recorder.usesProbes("auto", BIN, true, server("20devel", 200000)));
        assertFalse(Recorder.usesProbes("auto", BIN, false, server("15.14", 150014)));
        assertFalse(Recorder.usesProbes("uprobe", BIN, true, server("18.6", 180006)));
    }

    @Test
    void usdtIsRefusedWhereItWouldBeWrong() {
        PgbftraceException e = assertThrows(PgbftraceException.class,
                () -> Recorder.usesProbes("usdt", BIN, true, server("20devel", 200000)));
        assertEquals("--method usdt: pgbftrace reads the USDT probes of PostgreSQL 13 to 19, and this server is"
                + " 20devel; use --method uprobe", e.getMessage());
        assertTrue(e.isUsage(), "a usage error: exit 2");
        e = assertThrows(PgbftraceException.class, () -> Recorder.usesProbes("usdt", BIN, false,
                server("15.14", 150014)));
        assertTrue(e.getMessage().startsWith("/pg/bin/postgres has no USDT probes"), e.getMessage());
    }
}
