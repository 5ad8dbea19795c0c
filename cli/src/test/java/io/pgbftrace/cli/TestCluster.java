package io.pgbftrace.cli;

import io.pgbftrace.demo.ThrowawayCluster;

import java.sql.Connection;
import java.util.List;
import java.util.Map;

/**
 * The integration tests' cluster: a {@link ThrowawayCluster} with small shared_buffers and autovacuum off (so
 * nothing but the test touches user tables).
 */
final class TestCluster implements AutoCloseable {
    private final ThrowawayCluster cluster;

    private TestCluster(ThrowawayCluster cluster) {
        this.cluster = cluster;
    }

    static TestCluster start() throws Exception {
        return new TestCluster(ThrowawayCluster.start(Prerequisites.PG_BIN, Map.of("shared_buffers", "16MB",
                "autovacuum", "off", "fsync", "off", "track_io_timing", "on")));
    }

    Connection connect(String database) {
        return cluster.settings(database).connect();
    }

    /** A connection with more pgjdbc properties: {@code preferQueryMode=simple} speaks psql's protocol. */
    Connection connect(String database, Map<String, String> properties) {
        return cluster.settings(database).connect(properties);
    }

    /** A folder the server owns (for a tablespace's directory or COPY files). */
    java.nio.file.Path scratch() {
        return cluster.scratch();
    }

    List<String> connectionArgs(String database) {
        return cluster.connectionArgs(database);
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }
}
