package io.pgbftrace.session;

/**
 * Names a relation's storage the way the buffer manager does: database, tablespace and relfilenode. The same
 * relfilenode in two databases is two different keys.
 */
public record FileKey(int db, int spc, int relfilenode) {
    // written out: the generated ones go through ObjectMethods, a tenth of a report's pass over 20M events
    @Override
    public boolean equals(Object o) {
        return o instanceof FileKey k && k.relfilenode == relfilenode && k.db == db && k.spc == spc;
    }

    @Override
    public int hashCode() {
        return (relfilenode * 31 + db) * 31 + spc;
    }

    @Override
    public String toString() {
        return db + "/" + spc + "/" + Integer.toUnsignedString(relfilenode);
    }
}
