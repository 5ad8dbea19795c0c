package io.pgbftrace.capture;

import io.pgbftrace.session.Event;
import io.pgbftrace.session.FileKey;
import io.pgbftrace.session.Relation;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * Keeps the session's catalog complete while recording: snapshots at start and end, and a look-up (on a thread of
 * its own, with retries) for every file an event names that no snapshot knew. Retries matter: a table created or
 * truncated in a transaction is invisible to other backends until it commits.
 */
final class CatalogTracker implements AutoCloseable {
    /** Delays between look-ups of a file not found yet; the last one repeats until the recording ends. */
    private static final long[] RETRY_MS = {0, 50, 200, 500, 1000, 2000, 5000};

    private final ConnectionSettings settings;
    private final IntConsumer backendPid;
    private final Map<Integer, Connection> connections = new HashMap<>();
    private final Map<Integer, CatalogReader.Database> databases = new ConcurrentHashMap<>();
    private final Set<FileKey> known = ConcurrentHashMap.newKeySet();
    private final Set<FileKey> seen = ConcurrentHashMap.newKeySet();
    private final DelayQueue<Lookup> lookups = new DelayQueue<>();
    private final ConcurrentLinkedQueue<Relation> resolved = new ConcurrentLinkedQueue<>();
    private final Thread worker;
    private final int mainDb;
    private volatile boolean closing;
    private final java.util.concurrent.atomic.AtomicLong lookupErrors = new java.util.concurrent.atomic.AtomicLong();
    private volatile String firstError;

    CatalogTracker(ConnectionSettings settings, Connection main, ServerInfo server, IntConsumer backendPid)
            throws SQLException {
        this.settings = settings;
        this.backendPid = backendPid;
        this.mainDb = server.databaseOid();
        prepare(main);
        connections.put(mainDb, main);
        for (CatalogReader.Database db : CatalogReader.databases(main)) {
            databases.put(db.oid(), db);
        }
        this.worker = new Thread(this::work, "pgbftrace-catalog");
        this.worker.setDaemon(true);
    }

    private static void prepare(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            // never queue behind an exclusive lock for long: sizes are dropped instead (see CatalogReader)
            st.execute("SET lock_timeout = '500ms'");
        }
    }

    /** Snapshots every database that accepts connections; the relations are also marked as known. */
    synchronized List<Relation> snapshotAll(String source) throws SQLException {
        List<Relation> out = new ArrayList<>();
        Set<FileKey> sharedDone = new java.util.HashSet<>();
        for (CatalogReader.Database db : databases.values().stream()
                .filter(CatalogReader.Database::allowConnections).sorted((a, b) -> a.oid() - b.oid()).toList()) {
            for (Relation r : CatalogReader.snapshot(connection(db.oid()), db, System.nanoTime(), source)) {
                if (r.db() == 0 && !sharedDone.add(r.fileKey())) {
                    continue; // shared catalogs are listed by every database
                }
                out.add(r);
                known.add(r.fileKey());
            }
        }
        return out;
    }

    void start() {
        worker.start();
    }

    /** Called for every event (on the writer's thread): queues a look-up for a file nobody knows yet. */
    void noteEvent(Event e) {
        if (!e.kind().hasRelation()) {
            return;
        }
        FileKey key = e.fileKey();
        if (seen.add(key) && !known.contains(key)) {
            lookups.add(new Lookup(key, 0));
        }
    }

    /** Files that events named (every fork, every kind of event). */
    Set<FileKey> seenFiles() {
        return seen;
    }

    /** Relations found since the last call, to be written into the session. */
    List<Relation> drainResolved() {
        List<Relation> out = new ArrayList<>();
        Relation r;
        while ((r = resolved.poll()) != null) {
            out.add(r);
        }
        return out;
    }

    /** Files events named that no catalog record resolves (yet). */
    List<FileKey> unresolved() {
        return seen.stream().filter(k -> !known.contains(k)).toList();
    }

    /** A note on failed look-ups (they are retried; each failure is counted), or null when none failed. */
    String lookupProblems() {
        long n = lookupErrors.get();
        return n == 0 ? null : n + " catalog look-up(s) failed (retried); first: " + firstError;
    }

    private void work() {
        while (!closing) {
            Lookup l;
            try {
                l = lookups.poll(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (l == null || known.contains(l.key)) {
                continue;
            }
            try {
                if (!lookupNow(l.key)) {
                    lookups.add(new Lookup(l.key, l.attempt + 1));
                }
            } catch (SQLException | RuntimeException ex) {
                if (lookupErrors.getAndIncrement() == 0) {
                    firstError = "look-up of " + l.key + ": " + ConnectionSettings.oneLine(ex.getMessage());
                }
                lookups.add(new Lookup(l.key, l.attempt + 1));
            }
        }
    }

    private synchronized boolean lookupNow(FileKey key) throws SQLException {
        int dbOid = key.db() == 0 ? mainDb : key.db();
        CatalogReader.Database db = databases.get(dbOid);
        if (db == null) {
            refreshDatabases();
            db = databases.get(dbOid);
        }
        if (db == null || !db.allowConnections()) {
            return false;
        }
        var found = CatalogReader.lookup(connection(dbOid), db, key.spc(), key.relfilenode(), System.nanoTime());
        if (found.isEmpty()) {
            return false;
        }
        known.add(key);
        resolved.add(found.get());
        return true;
    }

    private void refreshDatabases() throws SQLException {
        for (CatalogReader.Database db : CatalogReader.databases(connections.get(mainDb))) {
            databases.put(db.oid(), db);
        }
    }

    private Connection connection(int dbOid) throws SQLException {
        Connection c = connections.get(dbOid);
        if (c == null) {
            c = settings.withDatabase(databases.get(dbOid).name()).connect();
            prepare(c);
            backendPid.accept(ServerInfo.query(c).backendPid());
            connections.put(dbOid, c);
        }
        return c;
    }

    /** Stops the look-up thread; connections stay open for the end snapshot until {@link #close()}. */
    void stopLookups() {
        closing = true;
        try {
            worker.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public synchronized void close() {
        closing = true;
        for (Connection c : connections.values()) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // closing anyway
            }
        }
        connections.clear();
    }

    private record Lookup(FileKey key, int attempt, long dueNanos) implements Delayed {
        Lookup(FileKey key, int attempt) {
            this(key, attempt, System.nanoTime()
                    + TimeUnit.MILLISECONDS.toNanos(RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]));
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(dueNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed o) {
            return Long.compare(dueNanos, ((Lookup) o).dueNanos);
        }
    }
}
