package io.pgbftrace.capture;


import io.pgbftrace.session.PgbftraceException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * What the recorder learns of the server through one connection: its version and buffer settings, and, through
 * /proc, its postmaster and the binary it runs.
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

    /**
     * The postmaster is the parent of our backend. Fails clearly when the backend is not a process of this
     * machine (a remote server, or one in another pid namespace).
     */
    public int postmasterPid() {
        int ppid = ProcessHandle.of(backendPid).flatMap(ProcessHandle::parent).map(h -> (int) h.pid()).orElse(-1);
        Path exe = executable(backendPid);
        if (ppid <= 0 || exe == null || !exe.equals(executable(ppid))) {
            throw new PgbftraceException("the server's backend (pid " + backendPid + ") is not a process of this"
                    + " machine; run pgbftrace record on the database host, in the server's pid namespace");
        }
        return ppid;
    }

    /** The binary a process runs, or null when it cannot be read. */
    public static Path executable(int pid) {
        try {
            Path exe = Files.readSymbolicLink(Path.of("/proc", Integer.toString(pid), "exe"));
            return exe.toString().endsWith(" (deleted)") ? null : exe;
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }
}
