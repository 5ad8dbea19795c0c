package io.pgbftrace.session;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ServerProcessTest {
    @Test
    void kindsFromProcessTitlesAsPostgresSetsThem() {
        assertEquals("checkpointer", ServerProcess.kindOf("postgres: checkpointer "));
        assertEquals("checkpointer", ServerProcess.kindOf("postgres: 15/main: checkpointer"));
        assertEquals("background writer", ServerProcess.kindOf("postgres: background writer   "));
        assertEquals("background writer", ServerProcess.kindOf("postgres: 15/main: background writer"));
        assertEquals("autovacuum worker", ServerProcess.kindOf("postgres: autovacuum worker shop"));
        assertEquals("client backend", ServerProcess.kindOf("postgres: alice shop [local] SELECT"));
        assertEquals("client backend", ServerProcess.kindOf("postgres: 15/main: alice shop 10.0.0.7(51234) idle"));
        // a backend still connecting says "startup", like the startup process: the user and database tell them apart
        assertEquals("client backend", ServerProcess.kindOf("postgres: postgres postgres [local] startup"));
        assertEquals("other", ServerProcess.kindOf("postgres: startup recovering 000000010000000000000003"));
        assertEquals("client backend", ServerProcess.kindOf("postgres: parallel worker for PID 4242"));
        assertEquals("other", ServerProcess.kindOf("postgres: walwriter"));
        assertEquals("other", ServerProcess.kindOf("postgres: logical replication launcher"));
        assertEquals("other", ServerProcess.kindOf("postgres: io worker 0"));
        assertEquals("other", ServerProcess.kindOf("/usr/lib/postgresql/15/bin/postgres -D /tmp/x"));
        assertEquals("unknown", ServerProcess.kindOf(null));
    }
}
