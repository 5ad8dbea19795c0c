package io.pgbftrace.session;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * What one relation (all its forks and files) saw during a session. An unresolved file gets a row of its own,
 * with {@link #relation()} null.
 */
public final class RelationStats {
    private Relation relation;
    private final FileKey unresolvedKey;
    long hits;
    long misses;
    long extends_;
    long reads;
    long writes;
    private final Map<Integer, BitSet> blocksByFork = new HashMap<>();
    private final TreeSet<Long> relfilenodes = new TreeSet<>();
    private long lastRelfilenode = -1;
    private int lastFork;
    private BitSet lastBlocks;
    /** For the files a rewrite filled through its transient relation: that rewrite; else null. */
    private Rewrites.Span rewrite;

    public RelationStats(Relation relation, FileKey unresolvedKey) {
        this.relation = relation;
        this.unresolvedKey = unresolvedKey;
    }

    public void add(Event e) {
        switch (e.kind()) {
            case HIT -> hits++;
            case MISS -> misses++;
            case EXTEND -> extends_++;
            case READ -> reads++;
            case WRITE -> writes++;
            default -> {
                return;
            }
        }
        // a relation's events come from one file and fork at a time, mostly: the sets are looked up on a change
        long relfilenode = Integer.toUnsignedLong(e.relfilenode());
        if (relfilenode != lastRelfilenode) {
            relfilenodes.add(relfilenode);
            lastRelfilenode = relfilenode;
        }
        if (e.kind().isAccess() && e.block() <= Integer.MAX_VALUE) {
            if (e.fork() != lastFork || lastBlocks == null) {
                lastBlocks = blocksByFork.computeIfAbsent(e.fork(), f -> new BitSet());
                lastFork = e.fork();
            }
            lastBlocks.set((int) e.block());
        }
    }

    public void merge(RelationStats o) {
        hits += o.hits;
        misses += o.misses;
        extends_ += o.extends_;
        reads += o.reads;
        writes += o.writes;
        o.blocksByFork.forEach((fork, blocks) -> blocksByFork.computeIfAbsent(fork, f -> new BitSet()).or(blocks));
        relfilenodes.addAll(o.relfilenodes);
    }

    /** Keeps the latest catalog record (its size is the freshest). */
    public void seen(Relation r) {
        if (relation == null || r.seenAtNs() >= relation.seenAtNs()) {
            relation = r;
        }
    }

    /** Marks this row as a rewrite's transient relation; {@link #relation()} is the relation it was for. */
    public RelationStats rewrite(Rewrites.Span span) {
        this.rewrite = span;
        return this;
    }

    /** The rewrite whose transient relation this row is, or null for a relation (or file) of its own. */
    public Rewrites.Span rewrite() {
        return rewrite;
    }

    public Relation relation() {
        return relation;
    }

    /** The file of an unresolved row, else null. */
    public FileKey unresolvedKey() {
        return relation == null ? unresolvedKey : null;
    }

    public long accesses() {
        return hits + misses + extends_;
    }

    public long hits() {
        return hits;
    }

    public long misses() {
        return misses;
    }

    public long extendsCount() {
        return extends_;
    }

    public long kernelReads() {
        return reads;
    }

    public long writes() {
        return writes;
    }

    /** Distinct (fork, block) pairs accessed. */
    public long distinctBlocks() {
        return blocksByFork.values().stream().mapToLong(BitSet::cardinality).sum();
    }

    /** The relfilenodes its events named (more than one after TRUNCATE, VACUUM FULL, ...). */
    public TreeSet<Long> relfilenodes() {
        return relfilenodes;
    }

    public String displayName() {
        if (relation == null) {
            return "relfilenode " + unresolvedKey;
        }
        return rewrite == null ? relation.qualifiedName() : Rewrites.describe(rewrite, relation.qualifiedName());
    }
}
