package io.pgbftrace.session;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Resolves an event's file to the relation that had it at the event's time. A file named by several records
 * (snapshots, look-ups) resolves to the latest record seen at or before the event, else to the earliest.
 */
public final class Catalog {
    private final Map<FileKey, List<Relation>> byKey = new HashMap<>();
    /** Imports without database and tablespace (the original pgbftrace format) match on relfilenode alone. */
    private final Map<Integer, List<Relation>> byNode = new HashMap<>();
    private final Map<RelationId, List<Relation>> byRelation = new HashMap<>();

    public void add(Relation r) {
        byRelation.computeIfAbsent(RelationId.of(r), k -> new ArrayList<>()).add(r);
        List<Relation> list = byKey.computeIfAbsent(r.fileKey(), k -> new ArrayList<>());
        list.add(r);
        list.sort(Comparator.comparingLong(Relation::seenAtNs));
        byNode.computeIfAbsent(r.relfilenode(), k -> new ArrayList<>()).add(r);
    }

    public static Catalog of(List<Relation> relations) {
        Catalog c = new Catalog();
        relations.forEach(c::add);
        return c;
    }

    /** The relation, or null when no record names this file. */
    public Relation resolve(FileKey key, long timeNs) {
        List<Relation> list = byKey.get(key);
        if (list == null && key.db() == 0 && key.spc() == 0) {
            list = byNode.get(key.relfilenode());
            if (list != null && list.stream().map(Relation::fileKey).distinct().count() > 1) {
                return null; // ambiguous without a database
            }
        }
        if (list == null) {
            return null;
        }
        Relation best = list.get(0);
        for (Relation r : list) {
            if (r.seenAtNs() <= timeNs) {
                best = r;
            }
        }
        return best;
    }

    /** A relation as views group it: its database and oid, so every file it had counts for it. */
    public record RelationId(int db, int oid) {
        public static RelationId of(Relation r) {
            return new RelationId(r.db(), r.oid());
        }
    }

    /**
     * What views group a file's events under: the relation that had the file at a time (or, failing that, the
     * one a later look-up found), as a {@link RelationId}; the file itself when no record names it.
     */
    public Object identity(FileKey key, long timeNs) {
        Relation r = resolve(key, timeNs);
        return r == null ? key : RelationId.of(r);
    }

    /** The records that name this file, oldest first; empty when none does. */
    public List<Relation> recordsOf(FileKey key) {
        return byKey.getOrDefault(key, List.of());
    }

    /** The records of one relation (every file it had), in the order they were added; empty when none. */
    public List<Relation> recordsOf(RelationId id) {
        return byRelation.getOrDefault(id, List.of());
    }

    /** Every record, in no particular order. */
    public List<Relation> all() {
        return byKey.values().stream().flatMap(List::stream).toList();
    }
}
