package io.pgbftrace.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    @Test
    void anAddressOfAnotherMachineOrAReservedPortIsSaidInWords() throws Exception {
        Path s = session();
        Cli r = Cli.run("replay", s.toString(), "--bind", "203.0.113.7"); // TEST-NET-3: never this machine's
        assertEquals(ExitCodes.FAILED, r.code());
        assertEquals("pgbftrace replay: --bind 203.0.113.7 is not an address of this machine; use 127.0.0.1 (this"
                + " machine only) or 0.0.0.0 (every interface)\n", r.err());
        // what the JDK says to a non-root user binding port 80 (the tests run as root, which may)
        assertEquals("port 80 needs root (ports below 1024 are reserved); choose --port 1024 or above, or 0 for a"
                + " free one", io.pgbftrace.replay.ReplayServer.bindProblem("127.0.0.1", 80,
                new java.net.BindException("Permission denied")));
    }

    /** Every interface: the URL names this machine, and a warning says who else can now read the session. */
    @Test
    void bindingEveryInterfaceWarnsAndPrintsAReachableUrl() throws Exception {
        Path s = session();
        Path log = tmp.resolve("replay.log");
        try (ToolProcess p = ToolProcess.start(log, java.util.List.of("replay", s.toString(), "--bind", "0.0.0.0"))) {
            long deadline = System.currentTimeMillis() + 60_000;
            while (!p.output().contains("replaying ") && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
            }
            String out = p.output();
            assertTrue(out.contains("pgbftrace replay: --bind 0.0.0.0: other machines can reach this server and the"
                    + " session (queries included); use 127.0.0.1 to keep it on this machine"), out);
            String url = out.replaceAll("(?s).*replaying \\S+ at (http://\\S+?/);.*", "$1");
            assertFalse(url.contains("0.0.0.0") || url.contains("127.0.0.1"), out);
            java.net.HttpURLConnection c = (java.net.HttpURLConnection) java.net.URI.create(
                    url.replaceAll("//[^:/]+:", "//127.0.0.1:") + "api/session").toURL().openConnection();
            assertEquals(200, c.getResponseCode());
            assertEquals(0, p.terminate(), p.output());
        }
    }
}
