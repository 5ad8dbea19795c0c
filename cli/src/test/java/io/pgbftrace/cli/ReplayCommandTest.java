package io.pgbftrace.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** replay's refusals; the server and page themselves are tested in the report module. */
class ReplayCommandTest {
    @TempDir
    Path tmp;

    Path session() throws Exception {
        Path capture = Path.of(getClass().getResource("/raw-capture.txt").toURI());
        Path s = tmp.resolve("s");
        assertEquals(0, Cli.run("import", capture.toString(), "--out", s.toString()).code());
        return s;
    }

    @Test
    void badOptionsAreUsageErrors() throws Exception {
        Path s = session();
        Cli r = Cli.run("replay", s.toString(), "--speed", "5000");
        assertEquals(ExitCodes.USAGE, r.code());
        assertEquals("pgbftrace replay: --speed must be between 0.01 and 1000, not 5000.0\n", r.firstErr());
        r = Cli.run("replay", s.toString(), "--port", "70000");
        assertEquals("pgbftrace replay: --port must be between 0 and 65535, not 70000\n", r.firstErr());
        r = Cli.run("replay", s.toString(), "--speed", "fast");
        assertEquals(ExitCodes.USAGE, r.code());
    }

    @Test
    void aMissingSessionOrAPortInUseIsOneLineAndExitOne() throws Exception {
        Cli r = Cli.run("replay", tmp.resolve("none").toString());
        assertEquals(ExitCodes.FAILED, r.code());
        assertEquals("pgbftrace replay: " + tmp.resolve("none") + " does not exist\n", r.firstErr());
        Path s = session();
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            r = Cli.run("replay", s.toString(), "--port", Integer.toString(taken.getLocalPort()));
            assertEquals(ExitCodes.FAILED, r.code());
            assertEquals("pgbftrace replay: port " + taken.getLocalPort() + " on 127.0.0.1 is in use; choose another"
                    + " with --port (0 picks a free one)\n", r.err());
        }
    }
}
