package io.pgbftrace.report;

import io.pgbftrace.session.Event;
import io.pgbftrace.session.FileKey;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * One statement and the buffer events its backend made from its start to the backend's next statement: what a
 * learner links from SQL to blocks. The end is the statement's last buffer event (the session has no end mark).
 */
final class QueryStats {
    final long startNs;
    final int pid;
    final String text;
    long lastNs;
    long hits;
    long misses;
    long extendsCount;
    long kernelReads;
    long writes;
    /** Files in the order first touched. */
    final Set<FileKey> files = new LinkedHashSet<>();

    QueryStats(long startNs, int pid, String text) {
        this.startNs = startNs;
        this.pid = pid;
        this.text = text == null ? "" : text;
        this.lastNs = startNs;
    }

    void add(Event e) {
        lastNs = Math.max(lastNs, e.timeNs());
        switch (e.kind()) {
            case HIT -> hits++;
            case MISS -> misses++;
            case EXTEND -> extendsCount++;
            case READ -> kernelReads++;
            case WRITE -> writes++;
            default -> {
                return;
            }
        }
        files.add(e.fileKey());
    }

    long accesses() {
        return hits + misses + extendsCount;
    }
}
