package io.pgbftrace.session;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * A view's accumulators per file, kept apart for the accesses a backend made while rewriting (see {@link Rewrites}),
 * grouped into relations once the whole session is read: catalog look-ups are written after the first events that
 * need them, and whether a file was a rewrite's new one is known only at the swap.
 *
 * @param <T> what the view adds events to (one per file, and one per file and rewrite)
 */
public final class FileParts<T> {
    /** Receives each part with what it belongs to. */
    public interface Grouping<T> {
        /**
         * @param id       a {@link Catalog.RelationId}, a {@link Rewrites.Transient}, or the {@link FileKey} of a
         *                 file no record names
         * @param relation the relation it is (for a transient, the relation rewritten), or null
         * @param rewrite  for a transient, its rewrite; else null
         */
        void part(Object id, Relation relation, Rewrites.Span rewrite, FileKey key, T part);
    }

    private record Piece(FileKey key, int span) {
    }

    private final Rewrites rewrites;
    private final Function<FileKey, T> create;
    private final ToLongFunction<T> firstNs;
    private final Map<FileKey, T> plain = new HashMap<>();
    private final Map<Piece, T> inRewrite = new HashMap<>();

    /**
     * @param rewrites the view's rewrite tracker, fed every event before {@link #of}
     * @param create   a new accumulator for a file
     * @param firstNs  the time of the first event added to an accumulator
     */
    public FileParts(Rewrites rewrites, Function<FileKey, T> create, ToLongFunction<T> firstNs) {
        this.rewrites = rewrites;
        this.create = create;
        this.firstNs = firstNs;
    }

    /** The accumulator this event (one with a relation) goes to. */
    public T of(Event e) {
        FileKey key = e.fileKey();
        int span = rewrites.spanAt(e);
        return span < 0 ? plain.computeIfAbsent(key, create) : inRewrite.computeIfAbsent(new Piece(key, span),
                p -> create.apply(key));
    }

    /** The accumulators of files no rewrite touched, by file (for views that look one up). */
    public Map<FileKey, T> plain() {
        return plain;
    }

    /** Every part, with the relation (or transient, or file) it belongs to. */
    public void group(Catalog catalog, Grouping<T> out) {
        Map<FileKey, Long> first = new HashMap<>();
        if (!inRewrite.isEmpty()) {
            plain.forEach((k, t) -> first.merge(k, firstNs.applyAsLong(t), Math::min));
            inRewrite.forEach((p, t) -> first.merge(p.key, firstNs.applyAsLong(t), Math::min));
        }
        plain.forEach((key, t) -> {
            long at = firstNs.applyAsLong(t);
            out.part(catalog.identity(key, at), catalog.resolve(key, at), null, key, t);
        });
        inRewrite.forEach((p, t) -> {
            long at = firstNs.applyAsLong(t);
            Object id = rewrites.identity(catalog, p.key, p.span, at, k -> first.getOrDefault(k, Long.MAX_VALUE));
            if (id instanceof Rewrites.Transient tr) {
                out.part(id, Rewrites.relationOf(catalog, tr), rewrites.span(p.span), p.key, t);
            } else {
                out.part(id, catalog.resolve(p.key, at), null, p.key, t);
            }
        });
    }
}
