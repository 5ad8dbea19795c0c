package io.pgbftrace.cli;

import io.pgbftrace.capture.ConnectionSettings;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL cluster: initdb into a temporary folder as the postgres OS user, Unix socket only, small
 * shared_buffers, autovacuum off (so that nothing but the test touches user tables). Closed, it is stopped and
 * removed.
 */
final class TestCluster implements AutoCloseable {
    final Path root;
    final Path data;
    final Path socketDir;
    final int port;

    private TestCluster(Path root, int port) {
        this.root = root;
        this.data = root.resolve("data");
        this.socketDir = root;
        this.port = port;
    }

    static TestCluster start() throws Exception {
        Path root = Files.createTempDirectory("pgbftrace-pg-");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
        UserPrincipal postgres = root.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
        Files.setOwner(root, postgres);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // only names the socket file; nothing listens on TCP
        }
        TestCluster c = new TestCluster(root, port);
        run("initdb", "-D", c.data.toString(), "-A", "trust", "-U", "postgres", "--no-sync");
        run("pg_ctl", "-D", c.data.toString(), "-w", "-t", "60", "-l", root.resolve("server.log").toString(),
                "-o", "-k " + root + " -p " + port + " -c listen_addresses='' -c shared_buffers=16MB"
                        + " -c autovacuum=off -c fsync=off -c track_io_timing=on", "start");
        return c;
    }

    private static void run(String program, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("runuser", "-u", "postgres", "--",
                Prerequisites.PG_BIN.resolve(program).toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(program + " failed: " + out);
        }
    }

    ConnectionSettings settings(String database) {
        return new ConnectionSettings(socketDir.toString(), port, "postgres", database, null);
    }

    Connection connect(String database) {
        return settings(database).connect();
    }

    /** Connection options for the command line. */
    List<String> connectionArgs(String database) {
        return List.of("-h", socketDir.toString(), "-p", Integer.toString(port), "-U", "postgres", "-d", database);
    }

    Map<String, String> env() {
        return Map.of("PATH", System.getenv("PATH"));
    }

    @Override
    public void close() throws Exception {
        try {
            run("pg_ctl", "-D", data.toString(), "-m", "immediate", "-w", "stop");
        } finally {
            try (Stream<Path> s = Files.walk(root)) {
                for (Path p : s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
