package io.pgbftrace.capture;

import io.pgbftrace.session.PgbftraceException;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConnectionSettingsTest {
    @Test
    void optionsWinOverTheEnvironment() {
        ConnectionSettings s = ConnectionSettings.resolve("/tmp", 6000, "alice", "shop",
                Map.of("PGHOST", "db.example", "PGPORT", "5433", "PGUSER", "bob", "PGDATABASE", "other"));
        assertEquals(new ConnectionSettings("/tmp", 6000, "alice", "shop", null), s);
        assertTrue(s.isUnixSocket());
    }

    @Test
    void theEnvironmentFillsTheRestAsLibpqDoes() {
        ConnectionSettings s = ConnectionSettings.resolve(null, null, null, null,
                Map.of("PGHOST", "10.0.0.5", "PGPORT", "5433", "PGUSER", "bob", "PGPASSWORD", "secret"));
        assertEquals(new ConnectionSettings("10.0.0.5", 5433, "bob", "bob", "secret"), s);
        assertEquals("bob@10.0.0.5:5433/bob", s.describe());
    }

    @Test
    void aBadPortIsAUsageError() {
        PgbftraceException e = assertThrows(PgbftraceException.class,
                () -> ConnectionSettings.resolve(null, null, null, null, Map.of("PGPORT", "fivefour")));
        assertTrue(e.isUsage());
        assertEquals("PGPORT is not a port number: fivefour", e.getMessage());
    }

    @Test
    void anUnreachableServerIsOneLineNamingIt() {
        ConnectionSettings s = new ConnectionSettings("/nonexistent-socket-dir", 5999, "postgres", "postgres", null);
        PgbftraceException e = assertThrows(PgbftraceException.class, s::connect);
        assertTrue(e.getMessage().startsWith("cannot connect to PostgreSQL at postgres@/nonexistent-socket-dir:5999/postgres: "),
                e.getMessage());
        assertEquals(-1, e.getMessage().indexOf('\n'));
    }
}
