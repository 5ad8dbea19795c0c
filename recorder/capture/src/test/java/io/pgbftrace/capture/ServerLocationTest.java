package io.pgbftrace.capture;

import io.pgbftrace.session.PgbftraceException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Finding the server's processes on a /proc of processes made up for the test: a backend known by its pid in its
 * own PID namespace, which another process here has too.
 */
class ServerLocationTest {
    @TempDir
    Path tmp;

    private Path proc;
    private Path binary;

    /** A process: its NSpid chain (outermost first), its parent, its start in clock ticks since boot. */
    private void process(int pid, String nsPids, int parent, long startTicks) throws IOException {
        Path d = Files.createDirectories(proc.resolve(Integer.toString(pid)));
        Files.writeString(d.resolve("status"), "Name:\tpostgres\nNSpid:\t" + nsPids + "\n");
        String after = "S " + parent + " " + String.join(" ", Collections.nCopies(17, "0")) + " " + startTicks
                + " 0 0";
        Files.writeString(d.resolve("stat"), pid + " (postgres) " + after + "\n");
        Files.createSymbolicLink(d.resolve("exe"), binary);
        Files.createSymbolicLink(d.resolve("root"), Path.of("/"));
    }

    private void setUp() throws IOException {
        proc = Files.createDirectories(tmp.resolve("proc"));
        binary = Files.writeString(tmp.resolve("postgres"), "ELF");
        process(900, "900", 1, 100);               // a postmaster of this machine
        process(12, "12", 900, 150);               // its backend, with the pid the container's backend has inside
        process(5001, "5001\t1", 900, 200);        // a container's postmaster (process 1 there)
        process(5012, "5012\t12", 5001, 4_000);    // its backend: started at 40.00 s, while we connected
    }

    @Test
    void theBackendIsTheOneThatStartedWhileWeConnectedInItsOwnNamespace() throws IOException {
        setUp();
        ServerLocation where = ServerLocation.find(proc, 12, new ServerLocation.Window(39.99, 40.02), null);
        assertEquals(5012, where.backendPid());
        assertEquals(5001, where.postmasterPid());
        assertEquals(binary, where.binary());
        assertEquals(1, where.container().postmasterPidInside());
        assertEquals(12, where.container().backendPidInside());

        // the same pid here, started long before: a backend of this machine's own server
        ServerLocation host = ServerLocation.find(proc, 12, new ServerLocation.Window(1.49, 1.52), null);
        assertEquals(12, host.backendPid());
        assertEquals(900, host.postmasterPid());
        assertNull(host.container(), "no namespace of its own");
    }

    @Test
    void withoutAMatchOrWithSeveralTheUserIsAskedForThePostmaster() throws IOException {
        setUp();
        PgbftraceException none = assertThrows(PgbftraceException.class,
                () -> ServerLocation.find(proc, 12, new ServerLocation.Window(70, 71), null));
        assertTrue(none.getMessage().contains("is not a process of this machine") && none.getMessage()
                .contains("give --pid the postmaster's pid"), none.getMessage());
        process(6001, "6001\t1", 900, 300);
        process(6012, "6012\t12", 6001, 4_001); // another container's backend 12, started in the same instant
        PgbftraceException two = assertThrows(PgbftraceException.class,
                () -> ServerLocation.find(proc, 12, new ServerLocation.Window(39.99, 40.02), null));
        assertTrue(two.getMessage().contains("several processes could be the server's backend"), two.getMessage());
        // --pid names the postmaster: its child with that pid inside is the backend
        assertEquals(6012, ServerLocation.find(proc, 12, new ServerLocation.Window(70, 71), 6001).backendPid());
    }
}
