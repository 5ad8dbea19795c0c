package io.pgbftrace.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** record's refusals that need no tracing; the recording itself is in RecordIntegrationTest. */
class RecordCommandTest {
    @TempDir
    Path tmp;

    @Test
    void badOptionsAreUsageErrors() {
        String out = tmp.resolve("s").toString();
        Cli r = Cli.run("record");
        assertEquals(ExitCodes.USAGE, r.code());
        assertTrue(r.err().startsWith("pgbftrace record: Missing required option: '--out=DIR'"), r.err());
        r = Cli.run("record", "--out", out, "--duration", "5 minutes");
        assertEquals(ExitCodes.USAGE, r.code());
        assertTrue(r.err().contains("'5 minutes' is not a duration; write it like 30s, 5m, 2h or 500ms"), r.err());
        r = Cli.run("record", "--out", out, "--duration", "99999999999999999h");
        assertEquals(ExitCodes.USAGE, r.code());
        assertTrue(r.err().contains("is longer than a year"), r.err()); // was "internal error: long overflow"
        r = Cli.run("record", "--out", out, "--outcome-method", "guess");
        assertEquals(ExitCodes.USAGE, r.code());
        assertEquals("pgbftrace record: --outcome-method must be auto or pairing, not guess\n", r.firstErr());
        r = Cli.run("record", "--out", out, "--max-events", "0");
        assertEquals("pgbftrace record: --max-events must be a positive number\n", r.firstErr());
        r = Cli.run("record", "--out", out, "--buffer-pages", "1000");
        assertEquals("pgbftrace record: --buffer-pages must be a power of two, e.g. 1024\n", r.firstErr());
        r = Cli.run("record", "--out", out, "--mode", "sometimes");
        assertEquals(ExitCodes.USAGE, r.code());
        assertEquals("pgbftrace record: --mode must be auto, events or aggregate, not sometimes\n", r.firstErr());
        r = Cli.run("record", "--out", out, "--aggregate", "10ms");
        assertEquals(ExitCodes.USAGE, r.code());
        assertEquals("pgbftrace record: --aggregate must be from 50ms to 60s, not 10ms\n", r.firstErr());
        r = Cli.run("record", "--out", out, "--mode", "events", "--aggregate", "100ms");
        assertEquals(ExitCodes.USAGE, r.code());
        assertEquals("pgbftrace record: --aggregate counts per slice; --mode events prints every event\n",
                r.firstErr());
        r = Cli.run("record", "--out", out, "--auto-above", "5");
        assertEquals(ExitCodes.USAGE, r.code());
        assertEquals("pgbftrace record: --auto-above must be at least 10 events a second\n", r.firstErr());
        assertFalse(Files.exists(tmp.resolve("s")));
    }

    @Test
    void anOutputFolderInUseIsRefusedBeforeAnythingElse() throws Exception {
        Files.writeString(tmp.resolve("keep.txt"), "x");
        Cli r = Cli.run("record", "--out", tmp.toString());
        assertEquals(ExitCodes.USAGE, r.code());
        assertEquals("pgbftrace record: --out " + tmp + " exists and is not empty; choose another folder\n", r.firstErr());
    }

    @Test
    void anUnreachableServerIsOneLineAndExitOne() {
        Cli r = Cli.run("record", "--out", tmp.resolve("s").toString(), "-h", tmp.resolve("nosocket").toString(),
                "-p", "5999", "-U", "postgres", "-d", "postgres");
        assertEquals(ExitCodes.FAILED, r.code(), r.err());
        assertTrue(r.oneLineError(), r.err());
        // as root with bpftrace this is the connection; elsewhere an earlier check says what is missing
        assertTrue(r.err().contains("cannot connect to PostgreSQL at postgres@" + tmp.resolve("nosocket") + ":5999")
                || r.err().contains("needs root") || r.err().contains("bpftrace not found"), r.err());
        assertFalse(Files.exists(tmp.resolve("s")), "no session folder for a recording that never started");
    }

    @Test
    void aStackTraceOnlyWhenAskedFor() {
        Cli plain = Cli.run("info", tmp.resolve("x").toString());
        assertFalse(plain.err().contains("\tat "));
        Cli traced = Cli.run("info", tmp.resolve("x").toString(), "--stacktrace");
        assertTrue(traced.err().contains("\tat io.pgbftrace"), traced.err());
    }
}
