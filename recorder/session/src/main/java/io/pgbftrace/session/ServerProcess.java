package io.pgbftrace.session;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;
import java.util.Locale;

/**
 * What kind of PostgreSQL process one pid was, as the recorder saw it the first time an event named it: who wrote
 * which buffers (the checkpointer, the background writer, a backend evicting a dirty buffer, ...).
 *
 * @param pid      the process id (the events' pid)
 * @param kind     one of {@link #KINDS} (named as pg_stat_io's backend_type): from the process title
 * @param title    the process title (/proc/PID/cmdline), or null when the process was gone before it was read
 * @param seenAtNs monotonic time the recorder read it
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ServerProcess(int pid, String kind, String title, long seenAtNs) {
    public static final String CHECKPOINTER = "checkpointer";
    public static final String BGWRITER = "background writer";
    public static final String BACKEND = "client backend";
    public static final String AUTOVACUUM = "autovacuum worker";
    public static final String OTHER = "other";
    public static final String UNKNOWN = "unknown";
    /** Every kind, in the order views list them. */
    public static final List<String> KINDS = List.of(CHECKPOINTER, BGWRITER, BACKEND, AUTOVACUUM, OTHER, UNKNOWN);

    /** Auxiliary processes that are neither checkpointer, background writer nor autovacuum worker. */
    private static final List<String> OTHERS = List.of("walwriter", "startup", "archiver", "autovacuum launcher",
            "logical replication", "walsender", "walreceiver", "stats collector", "io worker", "wal summarizer",
            "slotsync worker", "syslogger");

    /**
     * The kind of a process from its title: "postgres: checkpointer", "postgres: 15/main: background writer",
     * "postgres: autovacuum worker shop", "postgres: parallel worker for PID 123", and a client backend's
     * "postgres: alice shop [local] SELECT" (user, database, host, then its activity, which may be any word:
     * "startup" while it connects). The title is read after "postgres: " and an optional "cluster_name: ".
     */
    public static String kindOf(String title) {
        if (title == null || title.isBlank()) {
            return UNKNOWN;
        }
        String t = title.strip().toLowerCase(Locale.ROOT);
        if (!t.startsWith("postgres: ")) {
            return OTHER;
        }
        t = t.substring("postgres: ".length());
        int colon = t.indexOf(": ");
        if (colon > 0 && t.indexOf(' ') > colon) {
            t = t.substring(colon + 2); // the cluster_name prefix
        }
        if (t.startsWith("checkpointer")) {
            return CHECKPOINTER;
        }
        if (t.startsWith("background writer")) {
            return BGWRITER;
        }
        if (t.startsWith("autovacuum worker")) {
            return AUTOVACUUM;
        }
        if (t.startsWith("parallel worker for pid")) {
            return BACKEND; // it works for a backend's query; pg_stat_bgwriter counts its writes as a backend's
        }
        for (String aux : OTHERS) {
            if (t.startsWith(aux)) {
                return OTHER;
            }
        }
        return BACKEND;
    }

    private static final java.util.Map<String, String> WRITERS = java.util.Map.of(CHECKPOINTER, "the checkpointer",
            BGWRITER, "the background writer", BACKEND, "client backends", AUTOVACUUM, "autovacuum workers",
            OTHER, "other processes", UNKNOWN, "processes not identified");

    /** Writes by kind in words: "523 by the checkpointer, 40 by client backends" (kinds in {@link #KINDS} order). */
    public static String writers(java.util.Map<String, Long> writesByKind) {
        List<String> out = new java.util.ArrayList<>();
        for (String k : KINDS) {
            long n = writesByKind.getOrDefault(k, 0L);
            if (n > 0) {
                out.add(String.format(Locale.ROOT, "%,d by %s", n, WRITERS.get(k)));
            }
        }
        return String.join(", ", out);
    }
}
