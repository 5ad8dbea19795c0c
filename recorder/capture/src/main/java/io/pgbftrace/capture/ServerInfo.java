package io.pgbftrace.capture;


import io.pgbftrace.session.PgbftraceException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * What the recorder learns of the server through one connection: its version, buffer settings and the pid of the
 * backend serving it, as the server sees it ({@link ServerLocation} finds the processes on this machine).
 */
public record ServerInfo(String version, int versionNum, int blockSize, String sharedBuffers,
                         long sharedBuffersBlocks, int backendPid, int databaseOid, String database, String ioMethod) {

    public static ServerInfo query(Connection c) {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT current_setting('server_version'),"
                     + " current_setting('server_version_num')::int, current_setting('block_size')::int,"
                     + " current_setting('shared_buffers'),"
                     + " (SELECT setting::bigint FROM pg_settings WHERE name = 'shared_buffers'),"
                     + " pg_backend_pid(), (SELECT oid FROM pg_database WHERE datname = current_database()),"
                     + " current_database(), current_setting('io_method', true)")) {
            rs.next();
            return new ServerInfo(rs.getString(1), rs.getInt(2), rs.getInt(3), rs.getString(4), rs.getLong(5),
                    rs.getInt(6), (int) rs.getLong(7), rs.getString(8), rs.getString(9));
        } catch (SQLException e) {
            throw new PgbftraceException("cannot read server settings: " + ConnectionSettings.oneLine(e.getMessage()),
                    e);
        }
    }
}
