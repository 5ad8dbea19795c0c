package io.pgbftrace.session;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToLongFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rewrites as every view counts them: VACUUM FULL, CLUSTER, ALTER TABLE ... TYPE and REFRESH MATERIALIZED VIEW
 * fill a new set of files through a transient relation ({@code make_new_heap}: its heap, TOAST table and TOAST
 * index), and PostgreSQL counts those accesses there; {@code finish_heap_swap} then hands the files to the
 * relation, and the transient (with the old files) is dropped, its counts with it. So a file that a rewriting
 * backend first touches between its REWRITE_START and REWRITE_SWAP, and whose relation had another file when the
 * rewrite began, is the transient's until the swap ("rewrite of public.docs by VACUUM FULL") and the relation's
 * after it. A file of a relation that is new itself (the TOAST table ALTER TABLE hands over by its link, not its
 * content) stays that relation's: PostgreSQL counts it under the same oid before and after.
 *
 * <p>Spans are per backend and end at the swap, or when the backend's statement ends without one (REFRESH
 * MATERIALIZED VIEW CONCURRENTLY, an aborted rewrite: the transient is dropped and its files never get a name).
 * Not thread-safe.
 */
public final class Rewrites {
    /**
     * One rewrite: the backend, the relation's oid, when it started and ended (the swap, or the end of the
     * statement; {@link Long#MAX_VALUE} while running), whether it swapped, and the command (null when the
     * backend's statement does not say).
     */
    public record Span(int pid, int oid, long startNs, long endNs, boolean swapped, String command) {
        Span end(long atNs, boolean swap) {
            return new Span(pid, oid, startNs, atNs, swap, command);
        }
    }

    /** What views group the accesses of a rewrite's new files under: one per span and relation they go to. */
    public record Transient(int span, Catalog.RelationId of) {
    }

    private static final Pattern COMMAND = Pattern.compile(
            "^\\s*(VACUUM|CLUSTER|ALTER\\s+TABLE|ALTER\\s+MATERIALIZED\\s+VIEW|REFRESH\\s+MATERIALIZED\\s+VIEW)\\b",
            Pattern.CASE_INSENSITIVE);

    private final List<Span> spans = new ArrayList<>();
    /** Per backend: the indices of its spans, in order. */
    private final Map<Integer, List<Integer>> byPid = new HashMap<>();
    /** Per backend: its running span (index), if any. */
    private final Map<Integer, Integer> open = new HashMap<>();
    private final Map<Integer, String> command = new HashMap<>();

    /** Feed every event, in session order. */
    public void event(Event e) {
        switch (e.kind()) {
            case QUERY -> {
                close(e.pid(), e.timeNs());
                Matcher m = COMMAND.matcher(e.text() == null ? "" : e.text());
                String c = m.find() ? m.group(1).replaceAll("\\s+", " ").toUpperCase(Locale.ROOT) : null;
                command.put(e.pid(), "VACUUM".equals(c) ? "VACUUM FULL" : c); // only a full VACUUM rewrites
            }
            case QUERY_DONE -> close(e.pid(), e.timeNs());
            case REWRITE_START -> {
                close(e.pid(), e.timeNs());
                open.put(e.pid(), spans.size());
                byPid.computeIfAbsent(e.pid(), p -> new ArrayList<>()).add(spans.size());
                spans.add(new Span(e.pid(), (int) e.value(), e.timeNs(), Long.MAX_VALUE, false,
                        command.get(e.pid())));
            }
            case REWRITE_SWAP -> {
                Integer i = open.remove(e.pid());
                if (i != null) {
                    spans.set(i, spans.get(i).end(e.timeNs(), true));
                }
            }
            default -> {
            }
        }
    }

    private void close(int pid, long atNs) {
        Integer i = open.remove(pid);
        if (i != null) {
            spans.set(i, spans.get(i).end(atNs, false));
        }
    }

    /** The span (index) the backend of this event was rewriting in at its time, or -1: almost always -1. */
    public int spanAt(Event e) {
        if (byPid.isEmpty()) {
            return -1;
        }
        List<Integer> list = byPid.get(e.pid());
        if (list == null) {
            return -1;
        }
        for (int j = list.size() - 1; j >= 0; j--) {
            Span s = spans.get(list.get(j));
            if (s.startNs <= e.timeNs() && e.timeNs() < s.endNs) {
                return list.get(j);
            }
        }
        return -1;
    }

    public Span span(int index) {
        return spans.get(index);
    }

    public List<Span> spans() {
        return List.copyOf(spans);
    }

    /**
     * What a view groups the accesses a rewriting backend made to a file within a span under: a {@link Transient}
     * when the file is one the rewrite made, else what {@link Catalog#identity} says.
     *
     * @param firstNs   the time of the first of these accesses
     * @param firstSeen the time the view first saw any event of a file ({@link Long#MAX_VALUE} when never)
     */
    public Object identity(Catalog catalog, FileKey key, int span, long firstNs, ToLongFunction<FileKey> firstSeen) {
        Span s = spans.get(span);
        Relation r = catalog.resolve(key, firstNs);
        if (r == null) {
            // never named: the transient of a rewrite that did not swap, if the relation it rewrote is known
            Catalog.RelationId of = new Catalog.RelationId(key.db(), s.oid);
            return catalog.recordsOf(of).isEmpty() ? key : new Transient(span, of);
        }
        Catalog.RelationId id = Catalog.RelationId.of(r);
        if (!partOf(catalog, r, s.oid) || existedAt(catalog, key, s.startNs, firstSeen)) {
            return id;
        }
        for (Relation other : catalog.recordsOf(id)) {
            if (!other.fileKey().equals(key) && existedAt(catalog, other.fileKey(), s.startNs, firstSeen)) {
                return new Transient(span, id); // the relation had another file: this one came with the swap
            }
        }
        return id;
    }

    /** The relation a transient stands for (its latest record), or null. */
    public static Relation relationOf(Catalog catalog, Transient t) {
        return latest(catalog.recordsOf(t.of));
    }

    /**
     * Whether a relation is one a rewrite of {@code oid} makes anew: that relation, its TOAST table or the TOAST
     * table's index (not its own indexes: they are rebuilt after the swap, under their own oids).
     */
    private static boolean partOf(Catalog catalog, Relation r, int oid) {
        for (int up = 0; up < 3 && r != null; up++) {
            if (r.oid() == oid) {
                return true;
            }
            boolean toastPart = "toast".equals(r.kind()) || up == 0 && "index".equals(r.kind()) && "pg_toast".equals(r.schema());
            if (!toastPart || r.parentOid() == null) {
                return false;
            }
            r = latest(catalog.recordsOf(new Catalog.RelationId(r.db(), r.parentOid())));
        }
        return false;
    }

    private static Relation latest(List<Relation> records) {
        Relation best = null;
        for (Relation r : records) {
            if (best == null || r.seenAtNs() >= best.seenAtNs()) {
                best = r;
            }
        }
        return best;
    }

    private static boolean existedAt(Catalog catalog, FileKey key, long atNs, ToLongFunction<FileKey> firstSeen) {
        if (firstSeen.applyAsLong(key) < atNs) {
            return true;
        }
        for (Relation r : catalog.recordsOf(key)) {
            if (r.seenAtNs() <= atNs) {
                return true;
            }
        }
        return false;
    }

    /** How views name a transient: "rewrite of public.docs by VACUUM FULL". */
    public static String describe(Span s, String qualifiedName) {
        return "rewrite of " + qualifiedName + (s.command() == null ? "" : " by " + s.command());
    }
}
