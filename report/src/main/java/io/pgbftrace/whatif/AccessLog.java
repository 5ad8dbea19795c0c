package io.pgbftrace.whatif;

import io.pgbftrace.session.Catalog;
import io.pgbftrace.session.Event;
import io.pgbftrace.session.EventKind;
import io.pgbftrace.session.FileKey;
import io.pgbftrace.session.Relation;
import io.pgbftrace.session.ServerProcess;
import io.pgbftrace.session.SessionMetadata;
import io.pgbftrace.session.SessionVisitor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A session's shared-buffer accesses in order, in primitive arrays (one pass), with what the model needs that the
 * trace does not say outright: which accesses would use a ring. PostgreSQL picks a ring by the operation, not by
 * the block, and the session records the operation only as statement text, so it is inferred here:
 * <ul>
 * <li>VACUUM and ANALYZE statements, and autovacuum workers: every access uses the VACUUM ring.</li>
 * <li>COPY FROM, CREATE TABLE AS, CREATE / REFRESH MATERIALIZED VIEW, ALTER TABLE, SELECT INTO: the accesses to a
 * table the statement extends use the bulk-write ring (PostgreSQL's bulk insert state).</li>
 * <li>A backend reading a table's blocks one after the other (8 or more in a row) is taken for a sequential scan,
 * which uses the bulk-read ring when the table is larger than a quarter of shared_buffers: decided per size.</li>
 * </ul>
 */
final class AccessLog implements SessionVisitor {
    static final byte HIT = 0;
    static final byte MISS = 1;
    static final byte EXTEND = 2;

    static final byte RING_NONE = 0;
    /** A sequential scan's accesses: the bulk-read ring when the table is larger than NBuffers / 4. */
    static final byte RING_SCAN = 1;
    static final byte RING_VACUUM = 2;
    static final byte RING_BULKWRITE = 3;

    /** A run of this many blocks in a row by one backend is a sequential scan. */
    static final int SCAN_RUN = 8;

    private enum Statement { OTHER, VACUUM, BULKWRITE }

    final SessionMetadata metadata;
    private final Catalog catalog = new Catalog();
    private final Map<Integer, String> processKinds = new HashMap<>();

    /** key = file << 34 | fork << 32 | block. */
    long[] keys = new long[1 << 16];
    byte[] outcomes = new byte[1 << 16];
    int[] pids = new int[1 << 16];
    /** The statement the access belongs to (a number per statement of the session), 0 outside one. */
    int[] statements = new int[1 << 16];
    int size;

    /** After {@link #finish()}: each access's ring, and which ring object (a scan, a statement, a worker). */
    byte[] rings;
    int[] ringIds;

    /** Files, by (db << 32 | relfilenode); tablespaces are not told apart (a relfilenode is unique in them). */
    private final Map<Long, Integer> fileIds = new HashMap<>();
    final List<FileKey> files = new ArrayList<>();
    private final List<Long> firstSeen = new ArrayList<>();
    /** Per file: its relation's index in {@link #relations}, its size in blocks, whether it is an index. */
    int[] fileRelation;
    long[] fileBlocks;
    boolean[] fileIsIndex;
    final List<String> relations = new ArrayList<>();

    private final Map<Integer, Statement> running = new HashMap<>();
    private final Map<Integer, Integer> statementOf = new HashMap<>();
    private final Map<Integer, Statement> statementKinds = new HashMap<>();
    private int statementCount;

    private final long maxAccesses;
    private boolean overflowed;

    AccessLog(SessionMetadata metadata, long maxAccesses) {
        this.metadata = metadata;
        this.maxAccesses = maxAccesses;
    }

    boolean overflowed() {
        return overflowed;
    }

    @Override
    public void relation(Relation r) {
        catalog.add(r);
    }

    @Override
    public void process(ServerProcess p) {
        processKinds.putIfAbsent(p.pid(), p.kind());
    }

    @Override
    public void event(Event e) {
        switch (e.kind()) {
            case QUERY -> {
                Statement s = classify(e.text());
                running.put(e.pid(), s);
                statementOf.put(e.pid(), ++statementCount);
                statementKinds.put(statementCount, s);
            }
            case QUERY_DONE -> {
                running.remove(e.pid());
                statementOf.remove(e.pid());
            }
            case HIT, MISS, EXTEND -> {
                if (!e.local()) {
                    add(e);
                }
            }
            default -> {
            }
        }
    }

    private void add(Event e) {
        if (size >= maxAccesses || size == Integer.MAX_VALUE - 16) {
            overflowed = true;
            return;
        }
        if (size == keys.length) {
            int n = (int) Math.min(Integer.MAX_VALUE - 16, size * 2L);
            keys = Arrays.copyOf(keys, n);
            outcomes = Arrays.copyOf(outcomes, n);
            pids = Arrays.copyOf(pids, n);
            statements = Arrays.copyOf(statements, n);
        }
        long fk = ((long) e.db() << 32) | (e.relfilenode() & 0xFFFFFFFFL);
        Integer file = fileIds.get(fk);
        if (file == null) {
            file = files.size();
            fileIds.put(fk, file);
            files.add(e.fileKey());
            firstSeen.add(e.timeNs());
        }
        keys[size] = ((long) file << 34) | ((long) (e.fork() & 3) << 32) | (e.block() & 0xFFFFFFFFL);
        outcomes[size] = e.kind() == EventKind.HIT ? HIT : e.kind() == EventKind.MISS ? MISS : EXTEND;
        pids[size] = e.pid();
        statements[size] = statementOf.getOrDefault(e.pid(), 0);
        size++;
    }

    static int file(long key) {
        return (int) (key >>> 34);
    }

    static int fork(long key) {
        return (int) (key >>> 32) & 3;
    }

    static long block(long key) {
        return key & 0xFFFFFFFFL;
    }

    /** What PostgreSQL's buffer strategy for a statement is, from its text. */
    private static Statement classify(String text) {
        if (text == null) {
            return Statement.OTHER;
        }
        String t = text.strip().replaceAll("\\s+", " ").toUpperCase(Locale.ROOT);
        if ((t.startsWith("VACUUM") && !t.matches("VACUUM (\\(.*FULL.*\\)|FULL).*")) || t.startsWith("ANALYZE")
                || t.startsWith("ANALYSE")) {
            return Statement.VACUUM;
        }
        if (t.matches("COPY .* FROM .*") || t.matches("CREATE (TEMP |TEMPORARY |UNLOGGED )?TABLE .* AS .*")
                || t.startsWith("CREATE MATERIALIZED VIEW") || t.startsWith("REFRESH MATERIALIZED VIEW")
                || t.startsWith("ALTER TABLE") || t.matches("SELECT .* INTO .* FROM .*")) {
            return Statement.BULKWRITE;
        }
        return Statement.OTHER;
    }

    /** After the pass: names and sizes of the files, and each access's ring. */
    void finish() {
        int n = files.size();
        fileRelation = new int[n];
        fileBlocks = new long[n];
        fileIsIndex = new boolean[n];
        Map<String, Integer> byName = new LinkedHashMap<>();
        for (int f = 0; f < n; f++) {
            Relation r = catalog.resolve(files.get(f), firstSeen.get(f));
            String name = r == null ? "relfilenode " + files.get(f) : r.qualifiedName();
            fileRelation[f] = byName.computeIfAbsent(name, k -> {
                relations.add(k);
                return relations.size() - 1;
            });
            fileIsIndex[f] = r != null && r.kind().equals("index");
            fileBlocks[f] = r == null || r.sizeBlocks() == null ? 0 : r.sizeBlocks();
        }
        for (int i = 0; i < size; i++) {
            if (fork(keys[i]) == 0) {
                int f = file(keys[i]);
                fileBlocks[f] = Math.max(fileBlocks[f], block(keys[i]) + 1);
            }
        }
        rings = new byte[size];
        ringIds = new int[size];
        markVacuumAndBulkWrites();
        markScans();
    }

    private void markVacuumAndBulkWrites() {
        // the files each bulk-writing statement extends (main fork)
        Map<Integer, java.util.Set<Integer>> extended = new HashMap<>();
        for (int i = 0; i < size; i++) {
            if (outcomes[i] == EXTEND && statements[i] != 0 && fork(keys[i]) == 0
                    && statementKinds.get(statements[i]) == Statement.BULKWRITE) {
                extended.computeIfAbsent(statements[i], k -> new java.util.HashSet<>()).add(file(keys[i]));
            }
        }
        int workerRings = statementCount;
        Map<Integer, Integer> workerRing = new HashMap<>();
        for (int i = 0; i < size; i++) {
            int s = statements[i];
            if (s != 0 && statementKinds.get(s) == Statement.VACUUM) {
                rings[i] = RING_VACUUM;
                ringIds[i] = s;
            } else if (s != 0 && fork(keys[i]) == 0 && extended.getOrDefault(s, java.util.Set.of())
                    .contains(file(keys[i]))) {
                rings[i] = RING_BULKWRITE;
                ringIds[i] = s;
            } else if (ServerProcess.AUTOVACUUM.equals(processKinds.get(pids[i]))) {
                rings[i] = RING_VACUUM;
                ringIds[i] = workerRing.computeIfAbsent(pids[i], p -> workerRings + 1 + workerRing.size());
            }
        }
    }

    /**
     * Runs of consecutive blocks of a table's main fork by one backend (wrapping from its last block to block 0,
     * as a synchronized scan does): each run of {@link #SCAN_RUN} or more is a scan with a ring of its own.
     */
    private void markScans() {
        int next = statementCount + 1_000_000;
        // (pid, file) -> {last block, first block, run index}
        Map<Long, int[]> open = new HashMap<>();
        int[] runOf = new int[size];
        List<int[]> runs = new ArrayList<>(); // {id, length}
        for (int i = 0; i < size; i++) {
            long k = keys[i];
            int f = file(k);
            if (fork(k) != 0 || fileIsIndex[f] || rings[i] != RING_NONE) {
                runOf[i] = -1;
                continue;
            }
            long block = block(k);
            long pf = ((long) pids[i] << 32) | f;
            int[] run = open.get(pf);
            // a scan that began mid-table (synchronized with another) wraps to block 0; one that began at 0 ends
            if (run != null && (block == run[0] + 1L || (block == 0 && run[1] > 0 && run[0] + 1L >= fileBlocks[f]))) {
                run[0] = (int) block;
                runs.get(run[2])[1]++;
                runOf[i] = run[2];
            } else if (run != null && block == run[0]) {
                runOf[i] = run[2]; // the same block again (a second look within the scan)
            } else {
                runs.add(new int[]{next++, 1});
                open.put(pf, new int[]{(int) block, (int) block, runs.size() - 1});
                runOf[i] = runs.size() - 1;
            }
        }
        for (int i = 0; i < size; i++) {
            if (runOf[i] >= 0 && runs.get(runOf[i])[1] >= SCAN_RUN) {
                rings[i] = RING_SCAN;
                ringIds[i] = runs.get(runOf[i])[0];
            }
        }
    }

    /** Accesses per relation, and the recorded misses. */
    long[][] recorded() {
        long[][] out = new long[2][relations.size()];
        for (int i = 0; i < size; i++) {
            int r = fileRelation[file(keys[i])];
            if (outcomes[i] != EXTEND) {
                out[0][r]++;
                if (outcomes[i] == MISS) {
                    out[1][r]++;
                }
            }
        }
        return out;
    }
}
