package io.pgbftrace.session;

/**
 * Names a relation's storage the way the buffer manager does: database, tablespace and relfilenode. The same
 * relfilenode in two databases is two different keys.
 */
public record FileKey(int db, int spc, int relfilenode) {
    @Override
    public String toString() {
        return db + "/" + spc + "/" + Integer.toUnsignedString(relfilenode);
    }
}
