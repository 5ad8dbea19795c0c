package io.pgbftrace.demo;

import io.pgbftrace.capture.Processes;
import io.pgbftrace.session.PgbftraceException;
import io.pgbftrace.capture.ConnectionSettings;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A PostgreSQL cluster made for one demo or test: initdb into a temporary folder as the postgres OS user (initdb
 * refuses root), Unix socket only, the given settings. Closed, it is stopped and removed.
 */
public final class ThrowawayCluster implements AutoCloseable {
    private final Path bin;
    private final Path root;
    private final Path data;
    private final int port;
    private boolean keep;

    private ThrowawayCluster(Path bin, Path root, int port) {
        this.bin = bin;
        this.root = root;
        this.data = root.resolve("data");
        this.port = port;
    }

    /** The newest installed server's bin folder (Debian layout /usr/lib/postgresql/N/bin), if any. */
    public static Optional<Path> findServer() {
        Path base = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(base)) {
            return Optional.empty();
        }
        try (Stream<Path> s = Files.list(base)) {
            return s.map(p -> p.resolve("bin"))
                    .filter(p -> Files.isExecutable(p.resolve("postgres")) && Files.isExecutable(p.resolve("initdb")))
                    .max(Comparator.comparingInt(p -> version(p.getParent().getFileName().toString())));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static int version(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static final Pattern VERSION = Pattern.compile("\\(PostgreSQL\\) (\\d+)");

    /** The major version of the server in a bin folder ({@code postgres --version}), or -1 when it cannot tell. */
    public static int majorVersion(Path bin) {
        try {
            Processes.Result r = Processes.run(List.of(bin.resolve("postgres").toString(), "--version"),
                    Duration.ofSeconds(30));
            Matcher m = VERSION.matcher(r.lastLine());
            return r.ok() && m.find() ? Integer.parseInt(m.group(1)) : -1;
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /** initdb and start, with these settings (name to value, as in postgresql.conf). */
    public static ThrowawayCluster start(Path bin, Map<String, String> settings) throws IOException {
        Path root = Files.createTempDirectory("pgbftrace-pg-");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
        UserPrincipal postgres;
        try {
            postgres = root.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
        } catch (IOException e) {
            throw new PgbftraceException("there is no 'postgres' OS user to run the demo cluster as (initdb refuses"
                    + " root); install PostgreSQL's server package, which creates it");
        }
        Files.setOwner(root, postgres);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // only names the socket file; nothing listens on TCP
        }
        ThrowawayCluster c = new ThrowawayCluster(bin, root, port);
        try {
            c.run("initdb", "-D", c.data.toString(), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8",
                    "--locale", "C");
            StringBuilder conf = new StringBuilder("\n# pgbftrace throwaway cluster\nlisten_addresses = ''\n")
                    .append("unix_socket_directories = '").append(root).append("'\nport = ").append(port).append('\n');
            settings.forEach((k, v) -> conf.append(k).append(" = '").append(v.replace("'", "''")).append("'\n"));
            Files.writeString(c.data.resolve("postgresql.conf"), conf.toString(),
                    java.nio.file.StandardOpenOption.APPEND);
            c.pgCtl("start");
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    private void pgCtl(String action, String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("-D", data.toString(), "-w", "-t", "120", "-l",
                root.resolve("server.log").toString()));
        args.addAll(List.of(extra));
        args.add(action);
        run("pg_ctl", args.toArray(String[]::new));
    }

    private void run(String program, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("runuser", "-u", "postgres", "--", bin.resolve(program).toString()));
        cmd.addAll(List.of(args));
        Processes.Result r = Processes.run(cmd, Duration.ofSeconds(180));
        if (!r.ok()) {
            String log = Files.exists(root.resolve("server.log")) ? Files.readString(root.resolve("server.log")) : "";
            throw new PgbftraceException(program + " failed for the throwaway cluster in " + root + ": "
                    + (r.lastLine().isEmpty() ? lastLine(log) : r.lastLine()));
        }
    }

    private static String lastLine(String s) {
        String[] lines = s.strip().split("\n");
        return lines[lines.length - 1];
    }

    /** Restarts the server: shared buffers start empty (the OS page cache keeps the files). */
    public void restart() throws IOException {
        pgCtl("restart", "-m", "fast");
    }

    public ConnectionSettings settings(String database) {
        return new ConnectionSettings(root.toString(), port, "postgres", database, null);
    }

    /** Connection options for the command line (-h -p -U -d). */
    public List<String> connectionArgs(String database) {
        return List.of("-h", root.toString(), "-p", Integer.toString(port), "-U", "postgres", "-d", database);
    }

    /** A folder the server can read and write (for COPY files). */
    public Path scratch() {
        return root;
    }

    public Path root() {
        return root;
    }

    /** Leave the cluster running at close (--keep-cluster). */
    public void keep() {
        keep = true;
    }

    @Override
    public void close() throws IOException {
        if (keep) {
            return;
        }
        try {
            if (Files.exists(data.resolve("postmaster.pid"))) {
                run("pg_ctl", "-D", data.toString(), "-m", "immediate", "-w", "stop");
            }
        } finally {
            try (Stream<Path> s = Files.walk(root)) {
                for (Path p : s.sorted(Comparator.comparingInt(Path::getNameCount).reversed()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
