package io.pgbftrace.whatif;

import io.pgbftrace.session.LongIntMap;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * PostgreSQL's buffer replacement for one shared_buffers size, replayed over an {@link AccessLog}: a block found
 * in the pool is a hit and gains a use (up to 5; under a ring only from 0 to 1, as PinBuffer does); one not found
 * takes a buffer from the caller's ring when the ring's next buffer is used at most once, else the free list, else
 * the clock sweep (each buffer it passes loses a use; the first with none is the victim), and starts at one use.
 */
final class BufferPool {
    static final int MAX_USAGE = 5;
    private static final long EMPTY = -1;

    /** Ring sizes in buffers, before the cap of NBuffers / 8. */
    record Rings(int bulkRead, int bulkWrite, int vacuum) {
    }

    private final int nbuffers;
    private final long[] tags;
    private final byte[] usage;
    private final int[] free;
    private int freeCount;
    private int hand;
    private final LongIntMap map;
    private final int[] ringSize = new int[4];
    private final Map<Integer, int[]> rings = new HashMap<>(); // ring id -> {current, buffers...}

    BufferPool(int nbuffers, Rings r) {
        this.nbuffers = nbuffers;
        this.tags = new long[nbuffers];
        this.usage = new byte[nbuffers];
        this.free = new int[nbuffers];
        Arrays.fill(tags, EMPTY);
        for (int i = 0; i < nbuffers; i++) {
            free[i] = nbuffers - 1 - i; // buffer 0 on top, as PostgreSQL's list starts
        }
        freeCount = nbuffers;
        this.map = new LongIntMap(nbuffers);
        ringSize[AccessLog.RING_SCAN] = Math.max(1, Math.min(nbuffers / 8, r.bulkRead()));
        ringSize[AccessLog.RING_BULKWRITE] = Math.max(1, Math.min(nbuffers / 8, r.bulkWrite()));
        ringSize[AccessLog.RING_VACUUM] = Math.max(1, Math.min(nbuffers / 8, r.vacuum()));
    }

    /**
     * Replays the log; blocks first seen as hits were in the pool when the session began (one use each). Returns
     * each relation's predicted misses among its hits and misses (an extension always takes a buffer, uncounted).
     */
    static long[] replay(AccessLog log, int nbuffers, Rings rings) {
        BufferPool pool = new BufferPool(nbuffers, rings);
        pool.warm(log);
        int n = log.relations.size();
        long[] misses = new long[n];
        long scanThreshold = nbuffers / 4;
        for (int i = 0; i < log.size; i++) {
            long key = log.keys[i];
            int file = AccessLog.file(key);
            byte ring = log.rings[i];
            if (ring == AccessLog.RING_SCAN && log.fileBlocks[file] <= scanThreshold) {
                ring = AccessLog.RING_NONE; // a table of at most NBuffers / 4 is scanned without a ring
            }
            boolean hit = pool.access(key, log.outcomes[i] == AccessLog.EXTEND, ring, log.ringIds[i]);
            if (!hit && log.outcomes[i] != AccessLog.EXTEND) {
                misses[log.fileRelation[file]]++;
            }
        }
        return misses;
    }

    /** The blocks whose first access was a hit, in order of that access, as many as fit. */
    private void warm(AccessLog log) {
        LongIntMap seen = new LongIntMap(1024);
        for (int i = 0; i < log.size && freeCount > 0; i++) {
            long key = log.keys[i];
            if (seen.get(key, -1) >= 0) {
                continue;
            }
            seen.put(key, 0);
            if (log.outcomes[i] == AccessLog.HIT) {
                int b = free[--freeCount];
                tags[b] = key;
                usage[b] = 1;
                map.put(key, b);
            }
        }
    }

    /** One access; whether it found its block. */
    boolean access(long key, boolean extend, byte ring, int ringId) {
        if (!extend) {
            int b = map.get(key, -1);
            if (b >= 0) {
                if (ring == AccessLog.RING_NONE) {
                    if (usage[b] < MAX_USAGE) {
                        usage[b]++;
                    }
                } else if (usage[b] == 0) {
                    usage[b] = 1;
                }
                return true;
            }
        } else {
            int b = map.get(key, -1);
            if (b >= 0) { // a block number used again (a truncated file growing back): its old buffer goes
                map.remove(key);
                tags[b] = EMPTY;
            }
        }
        int b = -1;
        int[] r = null;
        if (ring != AccessLog.RING_NONE) {
            int size = ringSize[ring];
            r = rings.computeIfAbsent(ringId, id -> {
                int[] x = new int[size + 1];
                Arrays.fill(x, -1);
                return x;
            });
            if (++r[0] >= r.length - 1) {
                r[0] = 0;
            }
            int candidate = r[1 + r[0]];
            if (candidate >= 0 && usage[candidate] <= 1) {
                b = candidate;
            }
        }
        if (b < 0) {
            b = freeCount > 0 ? free[--freeCount] : sweep();
            if (r != null) {
                r[1 + r[0]] = b;
            }
        }
        if (tags[b] != EMPTY) {
            map.remove(tags[b]);
        }
        tags[b] = key;
        usage[b] = 1;
        map.put(key, b);
        return false;
    }

    private int sweep() {
        while (true) {
            int b = hand;
            if (++hand == nbuffers) {
                hand = 0;
            }
            if (usage[b] > 0) {
                usage[b]--;
            } else {
                return b;
            }
        }
    }
}
