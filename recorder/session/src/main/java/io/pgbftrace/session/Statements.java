package io.pgbftrace.session;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Splits a session's buffer events by the statement each backend was running: every access, kernel read and
 * write of a backend between its QUERY and its QUERY_DONE (or its next QUERY) belongs to that execution
 * (docs/queries.md says exactly which work that covers); a parallel worker's work belongs to its leader's
 * statement while it runs its share (WORKER_START to WORKER_DONE). Feed it events in order; each execution goes to the sink
 * when it ends, the ones still running at the end on {@link #finish()}.
 */
public final class Statements {
    private final Map<Integer, Execution> running = new HashMap<>();
    private final Consumer<Execution> sink;
    private final Figures outside = new Figures();
    private boolean sawDone;
    /** Parallel worker pid -> its share in progress. */
    private final Map<Integer, Share> shares = new HashMap<>();
    /** Shares that ended, waiting for their leader's execution to be handed on. */
    private final java.util.List<Share> finishedShares = new java.util.ArrayList<>();
    /** Executions that ended, held until a worker's share that arrives late can no longer belong to them. */
    private final java.util.ArrayDeque<Execution> ended = new java.util.ArrayDeque<>();
    /** The same, per backend: where an access that arrives after its backend's next statement began goes. */
    private final Map<Integer, java.util.ArrayDeque<Execution>> endedByPid = new HashMap<>();
    private long newestNs;
    /**
     * How late one process's events may arrive after another's: bpftrace hands over each CPU's events in turn
     * (measured: a worker's share 0.2 s after its leader's next statement began).
     */
    private static final long LATE_NS = 5_000_000_000L;

    public Statements(Consumer<Execution> sink) {
        this.sink = sink;
    }

    /** Buffer figures of a piece of work; shared buffers and a backend's local buffers (temporary tables) apart. */
    public static class Figures {
        long hits;
        long misses;
        long extendsCount;
        long kernelReads;
        long writes;
        long localHits;
        long localMisses;
        long localExtends;

        void add(Event e) {
            switch (e.kind()) {
                case HIT -> {
                    if (e.local()) {
                        localHits++;
                    } else {
                        hits++;
                    }
                }
                case MISS -> {
                    if (e.local()) {
                        localMisses++;
                    } else {
                        misses++;
                    }
                }
                case EXTEND -> {
                    if (e.local()) {
                        localExtends++;
                    } else {
                        extendsCount++;
                    }
                }
                case READ -> kernelReads++;
                case WRITE -> writes++;
                default -> {
                }
            }
        }

        public void add(Figures o) {
            hits += o.hits;
            misses += o.misses;
            extendsCount += o.extendsCount;
            kernelReads += o.kernelReads;
            writes += o.writes;
            localHits += o.localHits;
            localMisses += o.localMisses;
            localExtends += o.localExtends;
        }

        /** Shared-buffer accesses: hits + misses + extends (what pg_statio counts). */
        public long accesses() {
            return hits + misses + extendsCount;
        }

        /** Shared buffers found in the pool (EXPLAIN's "shared hit"). */
        public long hits() {
            return hits;
        }

        /** Shared buffers read in (EXPLAIN's "shared read"). */
        public long misses() {
            return misses;
        }

        /** New blocks added to shared relations (EXPLAIN counts them as "shared written" in PostgreSQL 15). */
        public long extendsCount() {
            return extendsCount;
        }

        /** Reads that reached the kernel, shared and local. */
        public long kernelReads() {
            return kernelReads;
        }

        /** Shared buffers this work wrote out (a backend evicting a dirty buffer). */
        public long writes() {
            return writes;
        }

        public long localHits() {
            return localHits;
        }

        public long localMisses() {
            return localMisses;
        }

        public long localExtends() {
            return localExtends;
        }
    }

    /** One execution of a statement by one backend. */
    public static final class Execution extends Figures {
        private final int pid;
        private final long startNs;
        private final String text;
        private long endNs = -1;
        /** When the backend's next statement started (or this one's end): where its workers' shares stop. */
        private long nextNs = -1;
        private long lastEventNs;
        private final Set<FileKey> files = new LinkedHashSet<>();

        Execution(int pid, long startNs, String text) {
            this.pid = pid;
            this.startNs = startNs;
            this.text = text == null ? "" : text;
            this.lastEventNs = startNs;
        }

        public int pid() {
            return pid;
        }

        public long startNs() {
            return startNs;
        }

        /** When it ended (its QUERY_DONE or the backend's next statement), or -1 when the session ended first. */
        public long endNs() {
            return endNs;
        }

        /** Its last buffer event, for sessions without QUERY_DONE (format 1.x) and executions still running. */
        public long lastEventNs() {
            return lastEventNs;
        }

        /** How long it ran: to its end, else (older sessions, still running) to its last buffer event. */
        public long durationNs() {
            return (endNs >= 0 ? endNs : lastEventNs) - startNs;
        }

        public String text() {
            return text;
        }

        /** The files it touched, in the order first touched. */
        public Set<FileKey> files() {
            return files;
        }

        long endOrLast() {
            return Math.max(nextNs, lastEventNs);
        }

        void add(Event e, boolean file) {
            super.add(e);
            lastEventNs = Math.max(lastEventNs, e.timeNs());
            if (file) {
                files.add(e.fileKey());
            }
        }
    }

    /** The executions of one normalised statement text, summed (what pg_stat_statements calls a statement). */
    public static final class Statement extends Figures {
        private final String text;
        private long calls;
        private long totalNs;
        private final Set<FileKey> files = new LinkedHashSet<>();

        public Statement(String text) {
            this.text = text;
        }

        public void add(Execution x) {
            super.add(x);
            calls++;
            totalNs += x.durationNs();
            files.addAll(x.files());
        }

        public String text() {
            return text;
        }

        public long calls() {
            return calls;
        }

        public long totalNs() {
            return totalNs;
        }

        public Set<FileKey> files() {
            return files;
        }
    }

    /**
     * A statement's text with its constants replaced by {@code $n} (numbered after the parameters it already has),
     * whitespace collapsed and a final semicolon dropped, so executions that differ only in their constants
     * count as one statement, as in pg_stat_statements.
     */
    public static String normalize(String text) {
        int param = 0;
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\$(\\d+)").matcher(text);
        while (m.find()) {
            param = Math.max(param, Integer.parseInt(m.group(1)));
        }
        StringBuilder out = new StringBuilder(text.length());
        int i = 0;
        int n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            if (c == '-' && i + 1 < n && text.charAt(i + 1) == '-') { // comment to the end of the line
                while (i < n && text.charAt(i) != '\n') {
                    i++;
                }
            } else if (c == '\'' || ((c == 'E' || c == 'e') && i + 1 < n && text.charAt(i + 1) == '\''
                    && !identifierChar(out))) {
                i += c == '\'' ? 1 : 2;
                while (i < n) {
                    if (text.charAt(i) == '\\' && c != '\'') {
                        i += 2;
                    } else if (text.charAt(i) == '\'' && i + 1 < n && text.charAt(i + 1) == '\'') {
                        i += 2;
                    } else if (text.charAt(i) == '\'') {
                        i++;
                        break;
                    } else {
                        i++;
                    }
                }
                out.append('$').append(++param);
            } else if (c == '"') { // a quoted identifier stays
                int end = text.indexOf('"', i + 1);
                end = end < 0 ? n : end + 1;
                out.append(text, i, end);
                i = end;
            } else if (Character.isDigit(c) && !identifierChar(out)) {
                while (i < n && (Character.isLetterOrDigit(text.charAt(i)) || text.charAt(i) == '.')) {
                    i++;
                }
                out.append('$').append(++param);
            } else if (Character.isWhitespace(c)) {
                while (i < n && Character.isWhitespace(text.charAt(i))) {
                    i++;
                }
                if (out.length() > 0) {
                    out.append(' ');
                }
            } else {
                out.append(c);
                i++;
            }
        }
        String r = out.toString().strip();
        while (r.endsWith(";")) {
            r = r.substring(0, r.length() - 1).strip();
        }
        return r;
    }

    /** Whether the text so far ends inside a word (a digit there belongs to an identifier or a $n). */
    private static boolean identifierChar(StringBuilder out) {
        if (out.length() == 0) {
            return false;
        }
        char last = out.charAt(out.length() - 1);
        return Character.isLetterOrDigit(last) || last == '_' || last == '$';
    }

    /** A parallel worker's share of its leader's statement: what it did from WORKER_START to WORKER_DONE. */
    private static final class Share extends Figures {
        final int leader;
        final long startNs;
        final Set<FileKey> files = new LinkedHashSet<>();

        Share(int leader, long startNs) {
            this.leader = leader;
            this.startNs = startNs;
        }
    }

    public void event(Event e) {
        newestNs = Math.max(newestNs, e.timeNs());
        switch (e.kind()) {
            case QUERY -> {
                end(e.pid(), e.timeNs());
                running.put(e.pid(), new Execution(e.pid(), e.timeNs(), e.text()));
            }
            case QUERY_DONE -> {
                sawDone = true;
                end(e.pid(), e.timeNs());
            }
            case WORKER_START -> shares.put(e.pid(), new Share((int) e.value(), e.timeNs()));
            case WORKER_DONE -> {
                Share share = shares.remove(e.pid());
                if (share != null) {
                    finishedShares.add(share);
                }
            }
            case HIT, MISS, EXTEND, READ, WRITE -> {
                Share share = shares.get(e.pid());
                Execution x = running.get(e.pid());
                if (share != null) {
                    share.add(e);
                    share.files.add(e.fileKey());
                } else if (x != null && e.timeNs() >= x.startNs()) {
                    x.add(e, true);
                } else {
                    // by time, not arrival: a backend's events can come after its next QUERY (another CPU's)
                    Execution held = endedAt(e.pid(), e.timeNs());
                    if (held != null) {
                        held.add(e, true);
                    } else {
                        outside.add(e);
                    }
                }
            }
            default -> {
            }
        }
        // an execution is handed on once no worker's share can still arrive for it
        while (!ended.isEmpty() && ended.peekFirst().endOrLast() + LATE_NS < newestNs) {
            handOn(ended.pollFirst());
        }
    }

    /** The ended execution of this backend, still held, that was running at this time; null when none. */
    private Execution endedAt(int pid, long timeNs) {
        java.util.ArrayDeque<Execution> held = endedByPid.get(pid);
        if (held == null) {
            return null;
        }
        for (java.util.Iterator<Execution> it = held.descendingIterator(); it.hasNext(); ) {
            Execution x = it.next();
            long end = x.endNs >= 0 ? x.endNs : x.nextNs;
            if (x.startNs() <= timeNs && timeNs < end) {
                return x;
            }
        }
        return null;
    }

    private void end(int pid, long timeNs) {
        Execution x = running.remove(pid);
        if (x != null) {
            // without QUERY_DONE (format 1.x) a statement's end is unknown: the next statement does not mark it
            x.endNs = sawDone ? timeNs : -1;
            x.nextNs = timeNs;
            ended.addLast(x);
            endedByPid.computeIfAbsent(pid, p -> new java.util.ArrayDeque<>()).addLast(x);
        }
    }

    /** Adds the worker shares that ran within it (by the time they started), then hands it to the sink. */
    private void handOn(Execution x) {
        java.util.ArrayDeque<Execution> held = endedByPid.get(x.pid());
        if (held != null) {
            held.remove(x); // the oldest of its backend: handed on in the order they ended
            if (held.isEmpty()) {
                endedByPid.remove(x.pid());
            }
        }
        long until = x.nextNs >= 0 ? x.nextNs : Long.MAX_VALUE;
        for (java.util.Iterator<Share> it = finishedShares.iterator(); it.hasNext(); ) {
            Share share = it.next();
            if (share.leader == x.pid() && share.startNs >= x.startNs() && share.startNs <= until) {
                x.add(share);
                x.files.addAll(share.files);
                it.remove();
            }
        }
        sink.accept(x);
    }

    /** Hands every execution still held to the sink (in start order); shares no execution took count outside. */
    public void finish() {
        running.values().stream().sorted(java.util.Comparator.comparingLong(Execution::startNs))
                .forEach(ended::addLast);
        running.clear();
        while (!ended.isEmpty()) {
            handOn(ended.pollFirst());
        }
        shares.values().forEach(outside::add);
        shares.clear();
        finishedShares.forEach(outside::add);
        finishedShares.clear();
    }

    /** Buffer work no statement owns: background processes, autovacuum, commits between executions. */
    public Figures outside() {
        return outside;
    }

    /** Whether the session marks statement ends (format 2.0); else durations run to the last buffer event. */
    public boolean endsKnown() {
        return sawDone;
    }
}
