package io.pgbftrace.session;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * What the catalog said about one relfilenode at one moment. A relation that is truncated or rewritten while
 * recording has several records, one per relfilenode, all with the same {@code oid}.
 *
 * @param db          database oid (0 for shared catalogs)
 * @param database    database name (null for shared catalogs)
 * @param spc         tablespace oid of the file (never 0: the database default is resolved)
 * @param relfilenode the file node as the buffer manager sees it (for mapped catalogs, from the relation map)
 * @param oid         pg_class oid
 * @param schema      namespace name
 * @param name        relation name
 * @param kind        table, index, toast, matview, sequence (from relkind)
 * @param persistence permanent, unlogged or temporary
 * @param parentOid   for an index its table, for a TOAST table its owner, for a partition its parent; else null
 * @param parentName  schema-qualified name of that parent
 * @param sizeBlocks  pg_relation_size / block size when looked up; null when it could not be had
 * @param system      in pg_catalog, information_schema or pg_toast
 * @param mapped      a mapped catalog (pg_class.relfilenode is 0)
 * @param seenAtNs    monotonic time of the catalog look-up
 * @param source      start, lookup, end (snapshots of the recorder) or import
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Relation(int db, String database, int spc, int relfilenode, int oid, String schema, String name,
                       String kind, String persistence, Integer parentOid, String parentName, Long sizeBlocks,
                       boolean system, boolean mapped, long seenAtNs, String source) {

    @JsonIgnore
    public FileKey fileKey() {
        return new FileKey(db, spc, relfilenode);
    }

    /** schema.name */
    @JsonIgnore
    public String qualifiedName() {
        return schema + "." + name;
    }

    /** The same relation at another moment, from another source, with a fresh size. */
    public Relation seenAgain(long atNs, String newSource, Long newSize) {
        return new Relation(db, database, spc, relfilenode, oid, schema, name, kind, persistence, parentOid,
                parentName, newSize, system, mapped, atNs, newSource);
    }

    /** Maps pg_class.relkind to the word the session stores. */
    public static String kindName(String relkind) {
        return switch (relkind) {
            case "r" -> "table";
            case "i" -> "index";
            case "t" -> "toast";
            case "m" -> "matview";
            case "S" -> "sequence";
            case "p" -> "partitioned table";
            case "I" -> "partitioned index";
            default -> "relkind " + relkind;
        };
    }

    public static String persistenceName(String relpersistence) {
        return switch (relpersistence) {
            case "p" -> "permanent";
            case "u" -> "unlogged";
            case "t" -> "temporary";
            default -> relpersistence;
        };
    }
}
