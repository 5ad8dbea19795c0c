package io.pgbftrace.demo;

import io.pgbftrace.capture.Processes;
import io.pgbftrace.capture.ServerLocation;
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
 *
 * <p>It may run as a packaged server of another distribution does, inside a chroot of it (its own libraries; its
 * socket folder is reached from here under the chroot), and in a PID namespace of its own, as a container runs it:
 * there the postmaster is process 1 of its namespace, started and stopped from here by signals, never by the pid in
 * its postmaster.pid (which names another process here).
 */
public final class ThrowawayCluster implements AutoCloseable {
    private final Path bin;
    private final Path root;
    private final Path data;
    private final int port;
    /** The chroot the server runs in, or null for this machine's root. */
    private final Path chroot;
    private final boolean ownPidNamespace;
    /** The server of a PID namespace: unshare, whose child is the postmaster. */
    private Process namespaced;
    private boolean keep;

    private ThrowawayCluster(Path bin, Path root, int port, Path chroot, boolean ownPidNamespace) {
        this.bin = bin;
        this.root = root;
        this.data = root.resolve("data");
        this.port = port;
        this.chroot = chroot;
        this.ownPidNamespace = ownPidNamespace;
    }

    /** The newest installed server's bin folder (Debian layout /usr/lib/postgresql/N/bin), if any. */
    public static Optional<Path> findServer() {
        return findServer(Path.of("/"));
    }

    /** The same under another root (a chroot): the bin folder as a path inside it. */
    public static Optional<Path> findServer(Path root) {
        Path base = root.resolve("usr/lib/postgresql");
        if (!Files.isDirectory(base)) {
            return Optional.empty();
        }
        try (Stream<Path> s = Files.list(base)) {
            return s.map(p -> p.resolve("bin"))
                    .filter(p -> Files.isExecutable(p.resolve("postgres")) && Files.isExecutable(p.resolve("initdb")))
                    .max(Comparator.comparingInt(p -> version(p.getParent().getFileName().toString())))
                    .map(p -> Path.of("/").resolve(root.relativize(p)));
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
        return majorVersion(null, bin);
    }

    /** The same for a bin folder inside a chroot (its programs run there, with its libraries), or null for none. */
    public static int majorVersion(Path chroot, Path bin) {
        try {
            List<String> cmd = new ArrayList<>();
            if (chroot != null) {
                cmd.addAll(List.of("chroot", chroot.toString()));
            }
            cmd.addAll(List.of(bin.resolve("postgres").toString(), "--version"));
            Processes.Result r = Processes.run(cmd, Duration.ofSeconds(30));
            Matcher m = VERSION.matcher(r.lastLine());
            return r.ok() && m.find() ? Integer.parseInt(m.group(1)) : -1;
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /** initdb and start, with these settings (name to value, as in postgresql.conf). */
    public static ThrowawayCluster start(Path bin, Map<String, String> settings) throws IOException {
        return start(bin, settings, null, false);
    }

    /**
     * @param chroot          run the server inside this chroot (a distribution's root with its PostgreSQL
     *                        installed; {@code bin} is a path inside it), or null
     * @param ownPidNamespace start the postmaster as process 1 of a PID and mount namespace of its own, as in a
     *                        container (unshare)
     */
    public static ThrowawayCluster start(Path bin, Map<String, String> settings, Path chroot, boolean ownPidNamespace)
            throws IOException {
        Path tmp = chroot == null ? Path.of(System.getProperty("java.io.tmpdir")) : chroot.resolve("tmp");
        Path root = Files.createTempDirectory(tmp, "pgbftrace-pg-");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
        if (chroot == null) {
            UserPrincipal postgres;
            try {
                postgres = root.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
            } catch (IOException e) {
                Files.delete(root);
                throw new PgbftraceException("there is no 'postgres' OS user to run the demo cluster as (initdb"
                        + " refuses root); install PostgreSQL's server package, which creates it");
            }
            Files.setOwner(root, postgres);
        } else {
            int[] ids = postgresIds(chroot);
            Files.setAttribute(root, "unix:uid", ids[0]);
            Files.setAttribute(root, "unix:gid", ids[1]);
        }
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // only names the socket file; nothing listens on TCP
        }
        ThrowawayCluster c = new ThrowawayCluster(bin, root, port, chroot, ownPidNamespace);
        try {
            c.run("initdb", "-D", c.inside(c.data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8",
                    "--locale", "C");
            StringBuilder conf = new StringBuilder("\n# pgbftrace throwaway cluster\nlisten_addresses = ''\n")
                    .append("unix_socket_directories = '").append(c.inside(root)).append("'\nport = ").append(port)
                    .append('\n');
            settings.forEach((k, v) -> conf.append(k).append(" = '").append(v.replace("'", "''")).append("'\n"));
            Files.writeString(c.data.resolve("postgresql.conf"), conf.toString(),
                    java.nio.file.StandardOpenOption.APPEND);
            c.startServer();
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** The uid and gid of the postgres user of a chroot, from its /etc/passwd. */
    private static int[] postgresIds(Path chroot) throws IOException {
        for (String line : Files.readAllLines(chroot.resolve("etc/passwd"))) {
            String[] f = line.split(":");
            if (f.length > 3 && f[0].equals("postgres")) {
                return new int[]{Integer.parseInt(f[2]), Integer.parseInt(f[3])};
            }
        }
        throw new PgbftraceException("the chroot " + chroot + " has no 'postgres' user; install its PostgreSQL"
                + " server package in it");
    }

    /** A path of this machine as the server sees it (inside its chroot). */
    private String inside(Path p) {
        return chroot == null ? p.toString() : "/" + chroot.relativize(p);
    }

    private void startServer() throws IOException {
        if (!ownPidNamespace) {
            pgCtl("start");
            return;
        }
        List<String> cmd = new ArrayList<>(List.of("unshare", "--pid", "--fork", "--mount-proc"));
        // the postmaster itself is process 1 (runuser would stay in between, as the parent it waits for)
        cmd.addAll(chroot != null ? asPostgres("postgres") : List.of("setpriv", "--reuid=postgres",
                "--regid=postgres", "--init-groups", bin.resolve("postgres").toString()));
        cmd.addAll(List.of("-D", inside(data)));
        namespaced = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(root.resolve("server.log").toFile()).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (!Files.exists(root.resolve(".s.PGSQL." + port)) || !Files.exists(data.resolve("postmaster.pid"))
                || !Files.readString(data.resolve("postmaster.pid")).contains("ready")) {
            if (!namespaced.isAlive() || System.nanoTime() > deadline) {
                String log = Files.exists(root.resolve("server.log")) ? Files.readString(root.resolve("server.log"))
                        : "";
                namespaced.destroyForcibly();
                throw new PgbftraceException("the throwaway cluster in " + root + " did not start in its own PID"
                        + " namespace: " + (log.isBlank() ? "no log" : lastLine(log)));
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PgbftraceException("interrupted while the throwaway cluster started");
            }
        }
    }

    /** The server of a PID namespace is stopped by a signal to its postmaster, through the pid this machine sees. */
    private void stopNamespaced(boolean fast) {
        Process p = namespaced;
        if (p == null) {
            return;
        }
        p.toHandle().children().forEach(postmaster -> Processes.run(List.of("kill", fast ? "-INT" : "-QUIT",
                Long.toString(postmaster.pid())), Duration.ofSeconds(10)));
        try {
            if (!p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
        }
        namespaced = null;
    }

    private void pgCtl(String action, String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("-D", inside(data), "-w", "-t", "120", "-l",
                inside(root.resolve("server.log"))));
        args.addAll(List.of(extra));
        args.add(action);
        run("pg_ctl", args.toArray(String[]::new));
    }

    /** A program of the server's bin folder, run as its postgres user (inside its chroot). */
    private List<String> asPostgres(String program) {
        String path = bin.resolve(program).toString();
        return chroot == null ? List.of("runuser", "-u", "postgres", "--", path)
                : List.of("chroot", "--userspec=postgres:postgres", chroot.toString(), path);
    }

    private void run(String program, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(asPostgres(program));
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
        if (ownPidNamespace) {
            stopNamespaced(true);
            startServer();
        } else {
            pgCtl("restart", "-m", "fast");
        }
    }

    public ConnectionSettings settings(String database) {
        return new ConnectionSettings(root.toString(), port, "postgres", database, null);
    }

    /** Connection options for the command line (-h -p -U -d). */
    public List<String> connectionArgs(String database) {
        return List.of("-h", root.toString(), "-p", Integer.toString(port), "-U", "postgres", "-d", database);
    }

    /**
     * The command that runs a client program of the server's bin folder (pgbench, say) against this cluster, as
     * root, inside its chroot where it has one: the connection options come first, then {@code args}.
     */
    public List<String> clientCommand(String program, String... args) {
        List<String> cmd = new ArrayList<>();
        if (chroot != null) {
            cmd.addAll(List.of("chroot", chroot.toString()));
        }
        cmd.addAll(List.of(bin.resolve(program).toString(), "-h", inside(root), "-p", Integer.toString(port), "-U",
                "postgres"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Runs {@link #clientCommand} and waits for it. */
    public Processes.Result client(Duration timeout, String program, String... args) {
        return Processes.run(clientCommand(program, args), timeout);
    }

    /** The pid on this machine of a server process known by its pid in the server's PID namespace. */
    public int hostPid(int pidInside) {
        if (namespaced == null) {
            return pidInside;
        }
        return namespaced.toHandle().descendants().map(h -> (int) h.pid()).filter(pid -> {
            List<Integer> ns = ServerLocation.nsPids(pid);
            return !ns.isEmpty() && ns.get(ns.size() - 1) == pidInside;
        }).findFirst().orElseThrow(() -> new PgbftraceException("no process of the throwaway cluster in " + root
                + " has pid " + pidInside + " in its PID namespace"));
    }

    /** A folder the server can read and write (for COPY files). */
    public Path scratch() {
        return root;
    }

    public Path root() {
        return root;
    }

    /** How to stop the cluster from a shell, for one that is kept running. */
    public String stopCommand() {
        return String.join(" ", asPostgres("pg_ctl")) + " -D " + inside(data) + " stop";
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
            if (ownPidNamespace) {
                stopNamespaced(false);
            } else if (Files.exists(data.resolve("postmaster.pid"))) {
                run("pg_ctl", "-D", inside(data), "-m", "immediate", "-w", "stop");
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
