package io.pgbftrace.capture;

import io.pgbftrace.session.Relation;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads relations from pg_class over JDBC: a whole database, or the one relation behind a relfilenode. */
public final class CatalogReader {
    /** Tablespace of shared catalogs (pg_global). */
    static final int GLOBAL_TABLESPACE = 1664;
    private static final String LOCK_NOT_AVAILABLE = "55P03";

    private static final String SELECT = """
            SELECT c.oid, n.nspname, c.relname, c.relkind, c.relpersistence, c.relisshared,
                   pg_relation_filenode(c.oid) AS filenode, c.relfilenode = 0 AS mapped,
                   CASE WHEN c.reltablespace = 0 THEN d.dattablespace ELSE c.reltablespace END AS spc,
                   pc.oid AS parent, pn.nspname || '.' || pc.relname AS parent_name,
                   %s AS blocks,
                   n.nspname IN ('pg_catalog', 'information_schema', 'pg_toast') AS system
            FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_database d ON d.datname = current_database()
            LEFT JOIN pg_index i ON i.indexrelid = c.oid
            LEFT JOIN pg_class o ON o.reltoastrelid = c.oid AND c.relkind = 't'
            LEFT JOIN pg_inherits h ON h.inhrelid = c.oid AND c.relispartition
            LEFT JOIN pg_class pc ON pc.oid = COALESCE(i.indrelid, o.oid, h.inhparent)
            LEFT JOIN pg_namespace pn ON pn.oid = pc.relnamespace
            WHERE c.relkind IN ('r', 'i', 't', 'm', 'S') AND pg_relation_filenode(c.oid) IS NOT NULL
            """;
    private static final String SIZE = "CASE WHEN c.relpersistence = 't' THEN NULL"
            + " ELSE pg_relation_size(c.oid) / current_setting('block_size')::int END";

    private static final String BY_FILE = " AND (c.oid = pg_filenode_relation(?, ?)"
            + " OR (c.relpersistence = 't' AND c.relfilenode = ? AND c.reltablespace = ?))";

    private CatalogReader() {
    }

    /** A database of the cluster. */
    public record Database(int oid, String name, boolean allowConnections, int defaultTablespace) {
    }

    public static List<Database> databases(Connection c) throws SQLException {
        List<Database> out = new ArrayList<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT oid, datname, datallowconn, dattablespace FROM pg_database"
                     + " ORDER BY oid")) {
            while (rs.next()) {
                out.add(new Database((int) rs.getLong(1), rs.getString(2), rs.getBoolean(3), (int) rs.getLong(4)));
            }
        }
        return out;
    }

    /**
     * Every relation with storage in the connected database, shared catalogs included (with db 0). Sizes need a
     * lock on each relation; when one is held exclusively past the connection's lock_timeout, the snapshot is
     * taken again without sizes rather than waiting.
     */
    public static List<Relation> snapshot(Connection c, Database db, long atNs, String source) throws SQLException {
        try {
            return run(c, db, SELECT.formatted(SIZE), null, atNs, source);
        } catch (SQLException e) {
            if (!LOCK_NOT_AVAILABLE.equals(e.getSQLState())) {
                throw e;
            }
            return run(c, db, SELECT.formatted("NULL::bigint"), null, atNs, source);
        }
    }

    /**
     * The relation that has this relfilenode now, as the buffer manager names it (tablespace as in the event).
     * Empty when no committed relation has it (dropped, or created by a transaction still in progress).
     */
    public static Optional<Relation> lookup(Connection c, Database db, int spc, int relfilenode, long atNs)
            throws SQLException {
        // pg_filenode_relation wants 0 for the database's default tablespace, and never finds a temporary
        // relation (not even a committed one of another session): those are matched on pg_class itself
        int queryTablespace = spc == db.defaultTablespace() ? 0 : spc;
        long node = Integer.toUnsignedLong(relfilenode);
        long[] params = {queryTablespace, node, node, queryTablespace};
        List<Relation> found;
        try {
            found = run(c, db, SELECT.formatted(SIZE) + BY_FILE, params, atNs, "lookup");
        } catch (SQLException e) {
            if (!LOCK_NOT_AVAILABLE.equals(e.getSQLState())) {
                throw e;
            }
            found = run(c, db, SELECT.formatted("NULL::bigint") + BY_FILE, params, atNs, "lookup");
        }
        // the relation may have moved to another file since the event; the record is for the event's file
        return found.stream().findFirst().map(r -> new Relation(r.db(), r.database(), spc, relfilenode, r.oid(),
                r.schema(), r.name(), r.kind(), r.persistence(), r.parentOid(), r.parentName(), r.sizeBlocks(),
                r.system(), r.mapped(), atNs, "lookup"));
    }

    private static List<Relation> run(Connection c, Database db, String sql, long[] params, long atNs,
                                      String source) throws SQLException {
        List<Relation> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            if (params != null) {
                for (int i = 0; i < params.length; i++) {
                    ps.setLong(i + 1, params[i]);
                }
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    boolean shared = rs.getBoolean("relisshared");
                    long parent = rs.getLong("parent");
                    boolean hasParent = !rs.wasNull();
                    long blocks = rs.getLong("blocks");
                    boolean hasBlocks = !rs.wasNull();
                    out.add(new Relation(shared ? 0 : db.oid(), shared ? null : db.name(),
                            (int) rs.getLong("spc"), (int) rs.getLong("filenode"), (int) rs.getLong("oid"),
                            rs.getString("nspname"), rs.getString("relname"),
                            Relation.kindName(rs.getString("relkind")),
                            Relation.persistenceName(rs.getString("relpersistence")),
                            hasParent ? (int) parent : null, rs.getString("parent_name"),
                            hasBlocks ? blocks : null, rs.getBoolean("system"), rs.getBoolean("mapped"), atNs,
                            source));
                }
            }
        }
        return out;
    }
}
