package io.pgbftrace.capture;

import io.pgbftrace.session.PgbftraceException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;
import java.util.Properties;

/**
 * How to reach the server, resolved like libpq: options first, then PGHOST, PGPORT, PGUSER, PGDATABASE,
 * PGPASSWORD, then libpq's defaults. A host starting with '/' is a Unix-socket directory. Passwords not given
 * are looked up in ~/.pgpass (or PGPASSFILE) by the JDBC driver.
 */
public record ConnectionSettings(String host, int port, String user, String database, String password) {
    /** Debian's libpq looks for the socket here when no host is given. */
    static final String DEFAULT_SOCKET_DIR = "/var/run/postgresql";

    public static ConnectionSettings resolve(String host, Integer port, String user, String database,
                                             Map<String, String> env) {
        String h = firstNonBlank(host, env.get("PGHOST"));
        if (h == null) {
            h = Files.isDirectory(Path.of(DEFAULT_SOCKET_DIR)) ? DEFAULT_SOCKET_DIR : "localhost";
        }
        int p;
        if (port != null) {
            p = port;
        } else if (env.get("PGPORT") != null && !env.get("PGPORT").isBlank()) {
            try {
                p = Integer.parseInt(env.get("PGPORT").trim());
            } catch (NumberFormatException e) {
                throw PgbftraceException.usage("PGPORT is not a port number: " + env.get("PGPORT"));
            }
        } else {
            p = 5432;
        }
        if (p <= 0 || p > 65535) {
            throw PgbftraceException.usage("port " + p + " is out of range (1-65535)");
        }
        String u = firstNonBlank(user, env.get("PGUSER"));
        if (u == null) {
            u = System.getProperty("user.name");
        }
        String d = firstNonBlank(database, env.get("PGDATABASE"));
        if (d == null) {
            d = u;
        }
        return new ConnectionSettings(h, p, u, d, firstNonBlank(env.get("PGPASSWORD")));
    }

    private static String firstNonBlank(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return null;
    }

    public boolean isUnixSocket() {
        return host.startsWith("/");
    }

    /** The same server, another database. */
    public ConnectionSettings withDatabase(String otherDatabase) {
        return new ConnectionSettings(host, port, user, otherDatabase, password);
    }

    /** What a person would recognise: {@code user@/var/run/postgresql:5432/db}. */
    public String describe() {
        return user + "@" + host + ":" + port + "/" + database;
    }

    public Connection connect() {
        return connect(Map.of());
    }

    /** Connects with more pgjdbc properties, e.g. {@code preferQueryMode=simple}. */
    public Connection connect(Map<String, String> more) {
        Properties props = new Properties();
        more.forEach(props::setProperty);
        props.setProperty("user", user);
        if (password != null) {
            props.setProperty("password", password);
        }
        props.setProperty("ApplicationName", "pgbftrace");
        // sent in the startup packet, not as a "SET application_name" statement that would show up as a query
        // of the recording (pgjdbc sends it at startup only for servers it may assume are 9.0 or later)
        props.setProperty("assumeMinServerVersion", "10");
        props.setProperty("connectTimeout", "10");
        String url;
        if (isUnixSocket()) {
            props.setProperty("socketFactory", "org.newsclub.net.unix.AFUNIXSocketFactory$FactoryArg");
            props.setProperty("socketFactoryArg", host + "/.s.PGSQL." + port);
            props.setProperty("sslmode", "disable");
            // the host name only matters to ~/.pgpass, where libpq also calls socket connections localhost
            url = "jdbc:postgresql://localhost:" + port + "/" + encode(database);
        } else {
            url = "jdbc:postgresql://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + "/"
                    + encode(database);
        }
        try {
            return DriverManager.getConnection(url, props);
        } catch (SQLException e) {
            throw new PgbftraceException("cannot connect to PostgreSQL at " + describe() + ": "
                    + oneLine(e.getMessage()) + "; check -h/-p/-U/-d (or PGHOST, PGPORT, PGUSER, PGDATABASE)", e);
        }
    }

    private static String encode(String s) {
        return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
    }

    static String oneLine(String s) {
        if (s == null) {
            return "unknown error";
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).trim();
    }
}
