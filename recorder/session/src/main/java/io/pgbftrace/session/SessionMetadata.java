package io.pgbftrace.session;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The contents of session.json. Written when a recording starts, rewritten (atomically) while it runs and when
 * it ends. Fields a newer minor version adds are ignored by older readers.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class SessionMetadata {
    public String format = SessionFormat.FORMAT_NAME;
    public String formatVersion = SessionFormat.version();
    public String toolName = "pgbftrace";
    public String toolVersion;
    public String title;
    public String description;
    /** What a learner should look for in the views (a teaching session's point), shown beside the description. */
    public String lookFor;

    /** record, import-raw or import-pgbftrace */
    public String source;
    /** recording while the recorder runs; complete when it finished cleanly; failed when it stopped on an error. */
    public String state;
    public String stopReason;
    public boolean finishedCleanly;
    /** What the views should know about how the data was made (e.g. "timestamps are synthesized"). */
    public List<String> notes = new ArrayList<>();

    public String hostName;
    /** ISO-8601 wall time of {@link #startMonotonicNs}. */
    public String startWall;
    public String endWall;
    /** The monotonic clock (CLOCK_MONOTONIC, the clock of every event time) at startWall. */
    public Long startMonotonicNs;
    public Long endMonotonicNs;

    public Postgres postgres = new Postgres();
    public Bpftrace bpftrace = new Bpftrace();
    public Recorder recorder = new Recorder();

    /** Event counts by kind name (HIT, MISS, ...), plus "total". Final when the session is complete. */
    public Map<String, Long> eventCounts = new LinkedHashMap<>();
    public long lostEvents;

    /**
     * Lost events: the lost records a view counted in the log, or the count in session.json, whichever is larger
     * (after a crash either may lag behind the other).
     */
    public long lostEvents(long counted) {
        return Math.max(counted, lostEvents);
    }

    /** A session.json with explicit nulls (edited by hand, damaged) reads as if those fields were absent. */
    void fillDefaults() {
        notes = notes == null ? new ArrayList<>() : new ArrayList<>(notes.stream().filter(Objects::nonNull).toList());
        postgres = postgres == null ? new Postgres() : postgres;
        bpftrace = bpftrace == null ? new Bpftrace() : bpftrace;
        recorder = recorder == null ? new Recorder() : recorder;
        recorder.backendPids = recorder.backendPids == null ? new ArrayList<>()
                : new ArrayList<>(recorder.backendPids.stream().filter(Objects::nonNull).toList());
        eventCounts = eventCounts == null ? new LinkedHashMap<>() : eventCounts;
        eventCounts.values().removeIf(Objects::isNull);
    }

    /** The server that was traced. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public static class Postgres {
        public String version;
        public Integer versionNum;
        public Integer blockSize;
        public String sharedBuffers;
        public Long sharedBuffersBlocks;
        /** PostgreSQL 18's io_method (sync, worker, io_uring); null before 18. */
        public String ioMethod;
        public Integer postmasterPid;
        public String binary;
        public String connection;
        /** Since 2.2: the server's own view where it ran in a container (its own PID namespace); else absent. */
        public Container container;
    }

    /** A server in a PID namespace of its own, as it saw itself: pids and paths inside. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public static class Container {
        /** The namespace, as /proc/PID/ns/pid names it ({@code pid:[4026532849]}). */
        public String pidNamespace;
        public Integer postmasterPid;
        /** The recorder's first backend, by its pid inside. */
        public Integer backendPid;
        /** The binary's path inside. */
        public String binary;
        /** The server's root as seen from the recording machine ({@code /proc/PID/root}). */
        public String root;
    }

    /** How the events were captured. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public static class Bpftrace {
        public String version;
        /** The script file in the session folder. */
        public String scriptFile;
        /** stapsdt-arguments or kernel-read-pairing: how HIT, MISS and EXTEND were told apart. */
        public String outcomeMethod;
        public String writeProbe;
        /** usdt (the binary's USDT probes) or uprobe (uprobes on its functions); null before 2.0: usdt. */
        public String captureMethod;
        /** The functions uprobes were attached to (both methods attach some). */
        public java.util.List<String> functions;
        /**
         * Since 2.1: how buffer events left the kernel: events (a line each; also when absent), aggregate (counts
         * per slice) or auto (either, by the event rate; see {@link #aggregated}).
         */
        public String output;
        /** Since 2.1: the slice counts were kept for, in ms, when output is aggregate or auto. */
        public Long sliceMs;
        /**
         * Since 2.1: the spans of monotonic time whose buffer events were counted per slice: their order and times
         * inside a slice are not known (the recorder laid them evenly over it), and statements are not marked.
         */
        public List<Span> aggregated;
    }

    /**
     * How buffer events left the kernel, for people: null for a line each, else e.g. "counted per 100 ms slice
     * from 3.2 s to 8.4 s" (times from {@code startNs}).
     */
    public String aggregation(long startNs) {
        List<Span> spans = bpftrace.aggregated;
        if (spans == null || spans.isEmpty() || bpftrace.sliceMs == null) {
            return null;
        }
        StringBuilder b = new StringBuilder("counted per " + bpftrace.sliceMs + " ms slice");
        if ("aggregate".equals(bpftrace.output)) {
            return b.toString();
        }
        for (int i = 0; i < spans.size(); i++) {
            Span s = spans.get(i);
            b.append(i == 0 ? " from " : ", ").append(String.format(java.util.Locale.ROOT, "%.1f s to %.1f s",
                    (s.fromNs - startNs) / 1e9, (s.toNs - startNs) / 1e9));
        }
        return b.toString();
    }

    /** A span of monotonic time. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public static class Span {
        public long fromNs;
        public long toNs;

        public Span() {
        }

        public Span(long fromNs, long toNs) {
            this.fromNs = fromNs;
            this.toNs = toNs;
        }
    }

    /** The recorder process, so a reader can tell a live recording from a dead one. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public static class Recorder {
        public Long pid;
        /** When the recorder process started (ISO-8601); with pid it names one process (format 1.1). */
        public String processStart;
        /** Format 1.0 named the process by its /proc start ticks; kept so old sessions read, no longer used. */
        public Long processStartTicks;
        /** The recorder's own PostgreSQL backends (catalog look-ups): views hide their events. */
        public List<Integer> backendPids = new ArrayList<>();
    }
}
