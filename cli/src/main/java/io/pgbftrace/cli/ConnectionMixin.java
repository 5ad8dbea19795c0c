package io.pgbftrace.cli;

import io.pgbftrace.capture.ConnectionSettings;
import picocli.CommandLine.Option;

import java.util.Map;

/** Connection options as psql has them; unset ones come from PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD. */
public class ConnectionMixin {
    @Option(names = {"-h", "--host"}, paramLabel = "HOST",
            description = "Server host or Unix-socket directory (default: PGHOST, else /var/run/postgresql).")
    String host;

    @Option(names = {"-p", "--port"}, paramLabel = "PORT", description = "Server port (default: PGPORT, else 5432).")
    Integer port;

    @Option(names = {"-U", "--username"}, paramLabel = "USER",
            description = "Database user (default: PGUSER, else the OS user).")
    String user;

    @Option(names = {"-d", "--dbname"}, paramLabel = "DB",
            description = "Database to connect to (default: PGDATABASE, else the user name).")
    String database;

    ConnectionSettings settings(Map<String, String> env) {
        return ConnectionSettings.resolve(host, port, user, database, env);
    }
}
