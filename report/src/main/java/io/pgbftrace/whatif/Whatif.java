package io.pgbftrace.whatif;

import io.pgbftrace.session.PgbftraceException;
import io.pgbftrace.session.SessionMetadata;
import io.pgbftrace.session.SessionReader;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a session's accesses would have found at other shared_buffers sizes: the session read once into an
 * {@link AccessLog}, replayed through a {@link BufferPool} per size (in parallel), and at the recorded size too,
 * where the model's misses are compared with the recorded ones.
 */
public final class Whatif {
    /** Relations listed on their own: those with at least this many accesses. */
    public static final long BUSY = 1000;
    /** PostgreSQL's smallest shared_buffers: 16 buffers. */
    static final int MIN_BUFFERS = 16;

    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(B|kB|KB|MB|GB|TB)?");

    /**
     * One size's prediction, in total and per relation (indexes of {@link #relations()}); {@code accesses} are the
     * session's (hits and misses), the same at every size.
     */
    public record Prediction(long bytes, int buffers, boolean recordedSize, long[] accesses, long[] misses) {
        public long totalAccesses() {
            return java.util.Arrays.stream(accesses).sum();
        }

        public long totalMisses() {
            return java.util.Arrays.stream(misses).sum();
        }

        public double hitRatio() {
            long a = totalAccesses();
            return a == 0 ? 1 : 1 - (double) totalMisses() / a;
        }
    }

    private final SessionMetadata metadata;
    private final List<String> relations;
    private final long[] accesses;
    private final long[] recordedMisses;
    private final Prediction atRecorded;
    private final List<Prediction> predictions;
    private final int blockSize;
    private final int major;

    private Whatif(SessionMetadata metadata, List<String> relations, long[][] recorded, Prediction atRecorded,
                   List<Prediction> predictions) {
        this.metadata = metadata;
        this.relations = relations;
        this.accesses = recorded[0];
        this.recordedMisses = recorded[1];
        this.atRecorded = atRecorded;
        this.predictions = predictions;
        this.blockSize = blockSize(metadata);
        this.major = major(metadata);
    }

    private static int blockSize(SessionMetadata m) {
        return m.postgres.blockSize == null ? 8192 : m.postgres.blockSize;
    }

    private static int major(SessionMetadata m) {
        return m.postgres.versionNum == null ? 15 : m.postgres.versionNum / 10000;
    }

    /** Parses "16MB", "512kB", "1GB" (PostgreSQL's units; a bare number is bytes) into bytes. */
    public static long parseSize(String text) {
        Matcher m = SIZE.matcher(text.strip());
        if (!m.matches()) {
            throw PgbftraceException.usage("--shared-buffers " + text + " is not a size; write e.g. 8MB,16MB,1GB");
        }
        double n = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT);
        long factor = switch (unit) {
            case "KB" -> 1L << 10;
            case "MB" -> 1L << 20;
            case "GB" -> 1L << 30;
            case "TB" -> 1L << 40;
            default -> 1;
        };
        return (long) (n * factor);
    }

    /** "16MB" for 16 MiB; sizes PostgreSQL would print. */
    public static String formatSize(long bytes) {
        String[] units = {"B", "kB", "MB", "GB", "TB"};
        int u = 0;
        double v = bytes;
        while (u < units.length - 1 && v >= 1024 && (v / 1024) == Math.floor(v / 1024)) {
            v /= 1024;
            u++;
        }
        return (v == Math.floor(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.1f", v)) + units[u];
    }

    /**
     * The rings of a PostgreSQL major version at a pool of {@code nbuffers}: 256 kB for bulk reads, 16 MB for bulk
     * writes, 256 kB for VACUUM up to 16 and 2 MB (vacuum_buffer_usage_limit's default) from 17; 18 sizes the
     * bulk-read ring for its read-ahead (256 kB + io_combine_limit x effective_io_concurrency, at their defaults),
     * bounded by the backend's share of pins. Each is capped at NBuffers / 8 by {@link BufferPool}.
     */
    static BufferPool.Rings rings(int major, int nbuffers, int blockSize) {
        int kb = blockSize / 1024;
        int bulkRead = 256 / kb;
        if (major >= 18) {
            int pinLimit = Math.max(1, nbuffers / 172); // MaxBackends + auxiliary processes at their defaults
            int maxKb = Math.max(256, pinLimit * kb);
            bulkRead = Math.min(256 + kb * 16 * 16, maxKb) / kb;
        }
        return new BufferPool.Rings(bulkRead, 16 * 1024 / kb, (major >= 17 ? 2048 : 256) / kb);
    }

    /**
     * Collects a session's accesses for the model while another view reads it (the report): a visitor to hand
     * every record to. Past {@code maxAccesses} it stops collecting, and {@link #of} says so.
     */
    public static final class Collector implements io.pgbftrace.session.SessionVisitor {
        private final AccessLog log;
        private final io.pgbftrace.session.BackendFilter filter;

        /** @param includeRecorder model the recorder's own backends' accesses too (hidden as in every view) */
        public Collector(SessionMetadata metadata, long maxAccesses, boolean includeRecorder) {
            this.log = new AccessLog(metadata, maxAccesses);
            this.filter = io.pgbftrace.session.BackendFilter.of(metadata, includeRecorder);
        }

        @Override
        public void relation(io.pgbftrace.session.Relation r) {
            log.relation(r);
        }

        @Override
        public void process(io.pgbftrace.session.ServerProcess p) {
            log.process(p);
        }

        @Override
        public void event(io.pgbftrace.session.Event e) {
            if (!filter.hides(e.pid())) {
                log.event(e);
            }
        }

        /** Whether the session had more accesses than the collector keeps. */
        public boolean overflowed() {
            return log.overflowed();
        }
    }

    /** Reads the session and predicts each size (and the recorded one). */
    public static Whatif run(Path session, List<Long> sizes) {
        return run(session, sizes, false);
    }

    /** @param includeRecorder model the recorder's own backends' accesses too */
    public static Whatif run(Path session, List<Long> sizes, boolean includeRecorder) {
        Collector c;
        try (SessionReader reader = SessionReader.open(session)) {
            c = new Collector(reader.metadata(), Long.MAX_VALUE, includeRecorder);
            reader.read(c);
        }
        return of(c, sizes);
    }

    /** Predicts each size (and the recorded one) from what a collector gathered. */
    public static Whatif of(Collector collector, List<Long> sizes) {
        if (collector.overflowed()) {
            throw new IllegalStateException("the collector kept only part of the session");
        }
        AccessLog log = collector.log;
        log.finish();
        SessionMetadata m = log.metadata;
        int blockSize = blockSize(m);
        int major = major(m);
        Long recordedBuffers = m.postgres.sharedBuffersBlocks;
        List<long[]> wanted = new ArrayList<>(); // {bytes, buffers, recorded?}
        if (recordedBuffers != null) {
            wanted.add(new long[]{recordedBuffers * blockSize, recordedBuffers, 1});
        }
        for (long bytes : sizes) {
            long buffers = bytes / blockSize;
            if (buffers < MIN_BUFFERS) {
                throw PgbftraceException.usage("--shared-buffers " + formatSize(bytes) + " is below PostgreSQL's"
                        + " smallest, " + formatSize((long) MIN_BUFFERS * blockSize) + " (16 buffers)");
            }
            if (buffers > Integer.MAX_VALUE / 4) {
                throw PgbftraceException.usage("--shared-buffers " + formatSize(bytes) + " is too large to model");
            }
            wanted.add(new long[]{bytes, buffers, 0});
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(wanted.size(),
                Runtime.getRuntime().availableProcessors())), r -> {
            Thread t = new Thread(r, "pgbftrace-whatif");
            t.setDaemon(true);
            return t;
        });
        try {
            long[][] recorded = log.recorded();
            List<Future<long[]>> futures = new ArrayList<>();
            for (long[] w : wanted) {
                int nb = (int) w[1];
                futures.add(pool.submit(() -> BufferPool.replay(log, nb, rings(major, nb, blockSize))));
            }
            Prediction atRecorded = null;
            List<Prediction> predictions = new ArrayList<>();
            for (int i = 0; i < wanted.size(); i++) {
                long[] w = wanted.get(i);
                Prediction p = new Prediction(w[0], (int) w[1], w[2] == 1, recorded[0], futures.get(i).get());
                if (w[2] == 1) {
                    atRecorded = p;
                } else {
                    predictions.add(p);
                }
            }
            return new Whatif(m, log.relations, recorded, atRecorded, predictions);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgbftraceException("interrupted", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    public List<String> relations() {
        return relations;
    }

    public List<Prediction> predictions() {
        return predictions;
    }

    /** The model at the session's own size; null when the session does not say its shared_buffers. */
    public Prediction atRecorded() {
        return atRecorded;
    }

    public long accesses(int relation) {
        return accesses[relation];
    }

    public long recordedMisses(int relation) {
        return recordedMisses[relation];
    }

    public long recordedMisses() {
        return java.util.Arrays.stream(recordedMisses).sum();
    }

    public long accesses() {
        return java.util.Arrays.stream(accesses).sum();
    }

    /** The relations with {@link #BUSY} accesses or more, busiest first. */
    public List<Integer> busy() {
        List<Integer> out = new ArrayList<>();
        for (int r = 0; r < relations.size(); r++) {
            if (accesses[r] >= BUSY) {
                out.add(r);
            }
        }
        out.sort((x, y) -> Long.compare(accesses[y], accesses[x]));
        return out;
    }

    /** (predicted - recorded) / recorded; 0 when both are 0, null when only the recorded is 0. */
    public static Double error(long predicted, long recorded) {
        if (recorded == 0) {
            return predicted == 0 ? 0.0 : null;
        }
        return (double) (predicted - recorded) / recorded;
    }

    public String sharedBuffers() {
        return metadata.postgres.sharedBuffers;
    }

    public int blockSize() {
        return blockSize;
    }

    /** The rings as modelled at the recorded size (or 16 MB), for the text that says what the model is. */
    public String ringsText() {
        int nb = atRecorded != null ? atRecorded.buffers() : 2048;
        BufferPool.Rings r = rings(major, nb, blockSize);
        return String.format(Locale.ROOT, "bulk reads %s, bulk writes %s, VACUUM %s (each at most shared_buffers / 8)",
                formatSize((long) r.bulkRead() * blockSize), formatSize((long) r.bulkWrite() * blockSize),
                formatSize((long) r.vacuum() * blockSize));
    }

    /** The JSON document of {@code whatif --json} (docs/whatif.md), naming the session as the user did. */
    public String toJson(String shownSession) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("version", 1);
        doc.put("session", shownSession);
        doc.put("postgres", metadata.postgres.version);
        doc.put("blockSize", blockSize);
        doc.put("rings", ringsText());
        Map<String, Object> rec = new LinkedHashMap<>();
        rec.put("sharedBuffers", metadata.postgres.sharedBuffers);
        rec.put("buffers", metadata.postgres.sharedBuffersBlocks);
        rec.put("accesses", accesses());
        rec.put("misses", recordedMisses());
        if (atRecorded != null) {
            rec.put("modelMisses", atRecorded.totalMisses());
            rec.put("error", error(atRecorded.totalMisses(), recordedMisses()));
            List<Map<String, Object>> rels = new ArrayList<>();
            for (int r : busy()) {
                Map<String, Object> x = new LinkedHashMap<>();
                x.put("relation", relations.get(r));
                x.put("accesses", accesses[r]);
                x.put("misses", recordedMisses[r]);
                x.put("modelMisses", atRecorded.misses()[r]);
                x.put("error", error(atRecorded.misses()[r], recordedMisses[r]));
                rels.add(x);
            }
            rec.put("relations", rels);
        }
        doc.put("recorded", rec);
        List<Map<String, Object>> sizes = new ArrayList<>();
        for (Prediction p : predictions) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("sharedBuffers", formatSize(p.bytes()));
            x.put("buffers", p.buffers());
            x.put("accesses", p.totalAccesses());
            x.put("misses", p.totalMisses());
            x.put("hitRatio", p.hitRatio());
            List<Map<String, Object>> rels = new ArrayList<>();
            for (int r = 0; r < relations.size(); r++) {
                if (p.accesses()[r] == 0) {
                    continue;
                }
                Map<String, Object> y = new LinkedHashMap<>();
                y.put("relation", relations.get(r));
                y.put("accesses", p.accesses()[r]);
                y.put("misses", p.misses()[r]);
                rels.add(y);
            }
            x.put("relations", rels);
            sizes.add(x);
        }
        doc.put("sizes", sizes);
        return io.pgbftrace.session.SessionWriter.toJson(doc);
    }
}
