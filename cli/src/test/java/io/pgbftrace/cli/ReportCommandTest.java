package io.pgbftrace.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReportCommandTest {
    @TempDir
    Path tmp;

    Path session() throws Exception {
        Path capture = Path.of(getClass().getResource("/raw-capture.txt").toURI());
        Path s = tmp.resolve("s");
        assertEquals(0, Cli.run("import", capture.toString(), "--out", s.toString()).code());
        return s;
    }

    @Test
    void writesTheReportAndSaysWhatItWrote() throws Exception {
        Path out = tmp.resolve("r.html");
        Cli r = Cli.run("report", session().toString(), "-o", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("wrote " + out + " ("), r.out());
        assertTrue(r.out().contains("9 events, 2 relations, 2 heatmaps"), r.out());
        assertTrue(Files.readString(out).contains("relfilenode 16384/1663/16390"));
    }

    @Test
    void badInputIsOneLineWithTheRightCode() throws Exception {
        Path s = session();
        Cli r = Cli.run("report", tmp.resolve("nope").toString(), "-o", tmp.resolve("r.html").toString());
        assertEquals(ExitCodes.FAILED, r.code());
        assertEquals("pgbftrace report: " + tmp.resolve("nope") + " does not exist\n", r.firstErr());
        r = Cli.run("report", s.toString(), "-o", tmp.resolve("missing/r.html").toString());
        assertEquals(ExitCodes.USAGE, r.code());
        assertTrue(r.oneLineError() && r.err().contains("does not exist"), r.err());
        r = Cli.run("report", s.toString(), "-o", tmp.resolve("r.html").toString(), "--scale", "sqrt");
        assertEquals(ExitCodes.USAGE, r.code());
        assertEquals("pgbftrace report: Invalid value for option '--scale': expected one of [log, linear] (case-insensitive) but was 'sqrt'\n", r.firstErr());
        r = Cli.run("report", s.toString(), "-o", tmp.resolve("r.html").toString(), "--from", "5", "--to", "2");
        assertEquals(ExitCodes.USAGE, r.code());
        r = Cli.run("report", s.toString(), "-o", tmp.resolve("r.html").toString(), "--from", "NaN");
        assertEquals(ExitCodes.USAGE, r.code(), r.err());
        r = Cli.run("report", s.toString(), "-o", tmp.resolve("r.html").toString(), "--relations", "[");
        assertEquals(ExitCodes.USAGE, r.code(), r.err()); // was a PatternSyntaxException
        assertTrue(r.firstErr().contains("--relations [ is not a valid glob"), r.err());
        r = Cli.run("report", s.toString(), "-o", tmp.resolve("r.html").toString(), "--bins", "1");
        assertEquals("pgbftrace report: --bins must be between 4 and 2000, not 1\n", r.firstErr());
        assertFalse(Files.exists(tmp.resolve("r.html")));
    }
}
