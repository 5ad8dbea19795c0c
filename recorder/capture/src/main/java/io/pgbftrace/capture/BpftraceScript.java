package io.pgbftrace.capture;

import io.pgbftrace.session.PgbftraceException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Generates the bpftrace script for one postgres binary and one postmaster, from the binary's stapsdt notes.
 * The output protocol (one line per event) is what {@link TraceLineParser} reads; docs/session-format.md lists it.
 */
public final class BpftraceScript {
    /** The outcome of an access is read from the 7th and 8th probe arguments at each site. */
    public static final String METHOD_ARGUMENTS = "stapsdt-arguments";
    /** The outcome is inferred: extend when read__start asked for P_NEW, miss when a kernel read came between. */
    public static final String METHOD_PAIRING = "kernel-read-pairing";
    /** Ends a QUERY line: query text may hold newlines, so the parser joins lines until it sees this. */
    public static final char RECORD_END = '\u001e';

    /** Functions the script attaches uprobes to when the binary names them: the start and swap of a rewrite. */
    public static final Set<String> UPROBE_FUNCTIONS = Set.of("make_new_heap", "finish_heap_swap",
            "InstrStartParallelQuery", "InstrEndParallelQuery");
    static final String[] REQUIRED_PROBES = {"buffer__read__done", "smgr__md__read__start", "smgr__md__read__done"};
    private static final int IS_EXTEND_ARG = 6;
    private static final int FOUND_ARG = 7;
    private static final int SITE_MASK = 0xfff;

    /**
     * @param text          the script
     * @param outcomeMethod {@link #METHOD_ARGUMENTS} or {@link #METHOD_PAIRING}
     * @param fallbackWhy   why the arguments could not be used, or null
     */
    public record Script(String text, String outcomeMethod, String fallbackWhy) {
    }

    private BpftraceScript() {
    }

    /**
     * @param binary        the postgres binary being traced
     * @param postmasterPid only children of this process are traced (one cluster among those sharing the binary)
     * @param notes         the binary's stapsdt notes
     * @param functions     which of {@link #UPROBE_FUNCTIONS} the binary's symbol tables name
     * @param forcePairing  use {@link #METHOD_PAIRING} even when the arguments could be read
     */
    public static Script generate(String binary, int postmasterPid, List<StapsdtNotes.Note> notes,
                                  Set<String> functions, boolean forcePairing) {
        return generate(binary, postmasterPid, notes, functions, forcePairing, EventOutput.events());
    }

    /** @param output how buffer events leave the kernel: a line each, or counts per slice */
    public static Script generate(String binary, int postmasterPid, List<StapsdtNotes.Note> notes,
                                  Set<String> functions, boolean forcePairing, EventOutput output) {
        for (String probe : REQUIRED_PROBES) {
            if (StapsdtNotes.sites(notes, probe).isEmpty()) {
                throw new PgbftraceException(binary + " has no USDT probe postgresql:" + probe
                        + "; PostgreSQL must be built with --enable-dtrace");
            }
        }
        String why = forcePairing ? "asked for with --outcome-method pairing" : null;
        Map<Long, List<ProbeArgument>> sites = null;
        if (!forcePairing) {
            sites = new HashMap<>();
            why = outcomeSites(StapsdtNotes.sites(notes, "buffer__read__done"), sites);
        }
        boolean pairing = why != null;
        String filter = "/ curtask->real_parent->tgid == " + postmasterPid + " /";
        String usdt = "usdt:" + binary + ":postgresql:";

        StringBuilder s = new StringBuilder();
        s.append("// pgbftrace capture script, generated from the stapsdt notes of ").append(binary).append('\n');
        s.append("// traces the children of postmaster pid ").append(postmasterPid).append(" only\n");
        s.append("// outcome method: ").append(pairing ? METHOD_PAIRING + " (" + why + ")" : METHOD_ARGUMENTS)
                .append('\n');
        s.append("BEGIN {").append(output.begin()).append(" printf(\"R %llu\\n\", nsecs); }\n");
        // a tick closes the current batch: a killed recorder loses at most this much (docs/session-format.md)
        s.append("interval:ms:100 { printf(\"T %llu\\n\", nsecs); }\n\n");
        s.append(output.slice());

        if (pairing) {
            s.append(usdt).append("buffer__read__start\n").append(filter).append("\n{\n")
                    .append("  @ext[tid] = arg1 == 0xffffffff;\n")
                    .append("  @miss[tid] = 0;\n}\n\n");
        }
        s.append(usdt).append("buffer__read__done\n").append(filter).append("\n{\n");
        if (pairing) {
            s.append("  $o = 0;\n")
                    .append("  if (@ext[tid]) { $o = 2; } else if (@miss[tid]) { $o = 1; }\n")
                    .append("  delete(@ext[tid]);\n  delete(@miss[tid]);\n");
        } else {
            s.append("  $site = reg(\"ip\") & 0x").append(Integer.toHexString(SITE_MASK)).append(";\n")
                    .append("  $ext = 0;\n  $found = 0;\n");
            for (Map.Entry<Long, List<ProbeArgument>> site : sites.entrySet()) {
                s.append("  if ($site == 0x").append(Long.toHexString(site.getKey())).append(") { $ext = ")
                        .append(site.getValue().get(0).expression()).append("; $found = ")
                        .append(site.getValue().get(1).expression()).append("; }\n");
            }
            // HIT only when found and not extending: the same rule pg_statio uses for _blks_hit
            s.append("  $o = 1;\n  if ($ext) { $o = 2; } else if ($found) { $o = 0; }\n");
        }
        s.append(output.emit("  ", EventOutput.Kind.ACCESS, "nsecs", "pid", "arg3, arg2, arg4", "arg0", "arg1", "arg5",
                "$o", null)).append("}\n\n");

        s.append(usdt).append("smgr__md__read__start\n").append(filter).append("\n{\n")
                .append("  @rs[tid] = nsecs;\n");
        if (pairing) {
            s.append("  @miss[tid] = 1;\n");
        }
        s.append("}\n\n");
        s.append(usdt).append("smgr__md__read__done\n").append(filter).append("\n{\n")
                .append("  $t = @rs[tid];\n")
                .append("  if ($t) {\n")
                .append(output.emit("    ", EventOutput.Kind.READ, "$t", "pid", "arg3, arg2, arg4", "arg0", "arg1",
                        "arg5", "nsecs - $t", null))
                .append("    delete(@rs[tid]);\n  }\n}\n\n");

        List<String> maps = new ArrayList<>(List.of("rs"));
        if (pairing) {
            maps.addAll(List.of("ext", "miss"));
        }
        tail(s, binary, usdt, filter, notes, functions, output, "", maps);
        return new Script(s.toString(), pairing ? METHOD_PAIRING : METHOD_ARGUMENTS, why);
    }

    /** The first major version whose probes have the layout {@link #generatePins} reads. */
    public static final int PIN_LAYOUT_FROM = 16;
    /** The first major version that reads asynchronously: its kernel reads are traced with uprobes. */
    static final int ASYNC_READS_FROM = 18;
    private static final String P_NEW = "0xffffffff";
    /** The functions of 18's read path: a block they pin not found is read (or found read) later. */
    public static final Set<String> READ_PATH = Set.of("StartReadBuffer", "StartReadBuffers");
    /** A pin whose outcome is still open: (time, fork, block, spc, db, rel, backend) of its buffer__read__start. */
    private static final String PIN = "@pin[tid]";

    /**
     * The script for PostgreSQL 16 and later, whose probes changed: {@code buffer__read__start(fork, block, spc, db,
     * rel, backend)}, {@code buffer__read__done(..., backend, found)} with {@code found} the 7th argument (often a
     * constant at its site), extensions through {@code buffer__extend__start/done(fork, spc, db, rel, backend,
     * extend_by[, first_block])}, no {@code isExtend}.
     *
     * <p>pg_statio counts a block where it is pinned: a read always, a hit when it was found. From 17 a miss is pinned
     * (buffer__read__start) and read later, its read__done firing when the read completes: in {@code
     * WaitReadBuffers} (17), or in the I/O completion callback (18, 19), in whichever process performed the read
     * (an I/O worker) and sometimes reporting a block another backend read in as found. So the accesses are the pins:
     * each buffer__read__start opens one on its thread, a read__done fired where it was pinned (a site in the same
     * function as a buffer__read__start site, by the binary's symbol table) closes it with its outcome, and any other
     * step of the same thread (its next pin, a kernel read, an extension, the statement's end, its exit) closes an
     * open pin as a miss, at the time it was pinned. Completion sites are not counted. 16 pins and reads in one call,
     * each read__done closing its own pin. From 18 a block the read path (StartReadBuffer(s)) pinned not found is
     * settled when the backend comes to read it: a miss among the blocks of the read it issues ({@code mdstartreadv}),
     * or a hit, as pg_statio counts it, where another backend's read completed it meanwhile (a read__done with found
     * a constant 1 outside the pinning functions).
     *
     * @param functionRanges where the binary's functions lie ({@link StapsdtNotes#functionRanges})
     * @param functions      every function its symbol tables name
     * @param blockSize      the server's block size: a kernel read's bytes in blocks
     * @throws PgbftraceException when the probe sites cannot be read this way (the binary is never misread)
     */
    public static Script generatePins(String binary, int postmasterPid, int major, List<StapsdtNotes.Note> notes,
                                      java.util.NavigableMap<Long, Long> functionRanges, Set<Long> readPath,
                                      Set<String> functions, int blockSize, EventOutput output) {
        boolean async = major >= ASYNC_READS_FROM;
        List<String> required = new ArrayList<>(List.of("buffer__read__start", "buffer__read__done",
                "buffer__extend__done"));
        if (!async) {
            required.addAll(List.of("smgr__md__read__start", "smgr__md__read__done"));
        }
        for (String probe : required) {
            if (StapsdtNotes.sites(notes, probe).isEmpty()) {
                throw new PgbftraceException(binary + " has no USDT probe postgresql:" + probe
                        + "; PostgreSQL must be built with --enable-dtrace");
            }
        }
        if (async && !(functions.contains("mdstartreadv") && functions.contains("pgaio_io_process_completion"))) {
            throw new PgbftraceException(binary + " names no mdstartreadv or pgaio_io_process_completion: its"
                    + " asynchronous kernel reads cannot be traced");
        }
        Sites sites = pinSites(binary, major, notes, functionRanges, async ? readPath : Set.of());
        String filter = "/ curtask->real_parent->tgid == " + postmasterPid + " /";
        String usdt = "usdt:" + binary + ":postgresql:";
        String close = closePin("  ", output);

        StringBuilder s = new StringBuilder();
        s.append("// pgbftrace capture script, generated from the stapsdt notes of ").append(binary)
                .append(" (PostgreSQL ").append(major).append(")\n")
                .append("// traces the children of postmaster pid ").append(postmasterPid).append(" only\n")
                .append("// outcome method: ").append(METHOD_PINS).append('\n')
                // the pin map typed before any probe reads it (bpftrace casts a field of an untyped tuple as none)
                .append("BEGIN {").append(output.begin()).append(" ").append(PIN).append(" = (")
                .append(String.join(", ", java.util.Collections.nCopies(7, "(uint64)0"))).append("); delete(")
                .append(PIN).append("); printf(\"R %llu\\n\", nsecs); }\n")
                .append("interval:ms:100 { printf(\"T %llu\\n\", nsecs); }\n\n").append(output.slice());

        // 18 and later: a pin of the read path that was not found is settled by its read (a miss where this backend
        // issues it, a hit where another backend's read completed it), not by the thread's next step
        s.append(usdt).append("buffer__read__start\n").append(filter).append("\n{\n").append(close);
        String open = "  if (arg1 != " + P_NEW + ") {\n    " + PIN + " = ((uint64)nsecs, (uint64)arg0, (uint64)arg1,"
                + " (uint64)arg2, (uint64)arg3, (uint64)arg4, (uint64)arg5);\n  }\n";
        if (sites.readPathStarts().isEmpty()) {
            s.append(open);
        } else {
            s.append("  $site = reg(\"ip\") & 0x").append(Integer.toHexString(SITE_MASK)).append(";\n")
                    .append("  if (").append(sites.readPathStarts().stream().sorted().map(low -> "$site != 0x"
                            + Long.toHexString(low)).collect(java.util.stream.Collectors.joining(" && ")))
                    .append(") {\n").append(indented(open)).append("  }\n");
        }
        s.append("}\n\n");
        s.append(usdt).append("buffer__read__done\n").append(filter).append("\n{\n")
                .append("  $site = reg(\"ip\") & 0x").append(Integer.toHexString(SITE_MASK)).append(";\n")
                .append("  $pinned = 0;\n  $found = 0;\n");
        sites.pinDone().forEach((low, expression) -> s.append("  if ($site == 0x").append(Long.toHexString(low))
                .append(") { $pinned = 1; $found = ").append(expression).append("; }\n"));
        sites.lateHits().forEach(low -> s.append("  if ($site == 0x").append(Long.toHexString(low))
                .append(") { $pinned = 2; $found = 1; }\n"));
        s.append("  if ($pinned) {\n    if ($pinned == 1) {\n      delete(").append(PIN).append(");\n    }\n")
                .append(output.emit("    ", EventOutput.Kind.ACCESS, "nsecs", "pid", "arg3, arg2, arg4", "arg0", "arg1",
                        "arg5", "$found ? 0 : 1", null))
                .append("  }\n}\n\n");

        // extend_by blocks from first_block, which is the 7th argument (bpftrace names six)
        List<StapsdtNotes.Note> extended = StapsdtNotes.sites(notes, "buffer__extend__done");
        String first = sameOnEverySite(extended, 6);
        if (first.equals("-1")) {
            throw new PgbftraceException(binary + ": the first block of buffer__extend__done ("
                    + extended.get(0).arguments() + ") cannot be read from bpftrace");
        }
        StapsdtNotes.sites(notes, "buffer__extend__start").stream().findAny().ifPresent(x ->
                s.append(usdt).append("buffer__extend__start\n").append(filter).append("\n{\n").append(close)
                        .append("}\n\n"));
        s.append(usdt).append("buffer__extend__done\n").append(filter).append("\n{\n")
                .append("  if (arg5 > 0) {\n")
                .append(output.emit("    ", EventOutput.Kind.EXTEND, "nsecs", "pid", "arg2, arg1, arg3", "arg0", first,
                        "arg4", null, "arg5"))
                .append("  }\n}\n\n");

        List<String> maps = new ArrayList<>(List.of("pin"));
        if (async) {
            // the blocks a backend reads itself were misses where it pinned them
            UprobeScript.asyncReads18(s, "uprobe:" + binary + ":", filter, output, close
                    + output.emit("  ", EventOutput.Kind.ACCESS, "nsecs", "pid", UprobeScript.file("arg1"),
                    "(int32)arg2", "(uint32)arg3", UprobeScript.backend("arg1"), "1", "(uint32)arg5"));
            maps.add("aio");
        } else {
            // a read of several blocks (17's vectored reads) fires once per segment and short read: its bytes count
            String bytes = sameOnEverySite(StapsdtNotes.sites(notes, "smgr__md__read__done"), 6);
            String blocks = bytes.equals("-1") ? null : "(" + bytes + ") / " + blockSize;
            s.append(usdt).append("smgr__md__read__start\n").append(filter).append("\n{\n").append(close)
                    .append("  @rs[tid] = nsecs;\n}\n\n");
            s.append(usdt).append("smgr__md__read__done\n").append(filter).append("\n{\n")
                    .append("  $t = @rs[tid];\n  delete(@rs[tid]);\n")
                    .append("  if ($t").append(blocks == null ? "" : " && " + blocks + " > 0").append(") {\n")
                    .append(output.emit("    ", EventOutput.Kind.READ, "$t", "pid", "arg3, arg2, arg4", "arg0", "arg1",
                            "arg5", "nsecs - $t", blocks))
                    .append("  }\n}\n\n");
            maps.add("rs");
        }
        // a backend that ends with a pin still open: its last block was a miss
        s.append("tracepoint:sched:sched_process_exit\n").append(filter).append("\n{\n").append(close)
                .append("}\n\n");
        Set<String> shared = new java.util.TreeSet<>(functions);
        shared.retainAll(UPROBE_FUNCTIONS);
        tail(s, binary, usdt, filter, notes, shared, output, close, maps);
        return new Script(s.toString(), METHOD_PINS, null);
    }

    /** The outcome method of {@link #generatePins}: pins, and the read__done where each was pinned. */
    public static final String METHOD_PINS = "pins";

    /** Closes this thread's open pin as a miss, at the time it was pinned. */
    private static String closePin(String indent, EventOutput output) {
        return indent + "$p = " + PIN + ";\n" + indent + "if ($p.0) {\n" + indent + "  delete(" + PIN + ");\n"
                + output.emit(indent + "  ", EventOutput.Kind.ACCESS, "$p.0", "pid", "$p.4, $p.3, $p.5", "$p.1",
                "$p.2", "$p.6", "1", null) + indent + "}\n";
    }

    /**
     * The buffer__read__done and buffer__read__start sites by what they mean (each by the low 12 bits of its
     * address).
     *
     * @param pinDone        read__done fired where its block was pinned -> the expression of {@code found}
     * @param lateHits       18+: read__done of a block this backend pinned not found and found read when it came to
     *                       read it (another backend's read completed it), which pg_statio counts as a hit
     * @param readPathStarts 18+: read__start sites of the read path ({@link #READ_PATH}), whose misses are counted
     *                       where the backend issues their read
     */
    record Sites(Map<Long, String> pinDone, Set<Long> lateHits, Set<Long> readPathStarts) {
    }

    /**
     * From 17 a pin's read__done is one in the same function as a buffer__read__start site; every such function must
     * have one, and every site must be told apart. The others are completions of reads (not counted), or, from 18,
     * late hits (found as a constant 1).
     *
     * @param readPath the start addresses of the read path's functions (18+), else empty
     */
    static Sites pinSites(String binary, int major, List<StapsdtNotes.Note> notes,
                          java.util.NavigableMap<Long, Long> functionRanges, Set<Long> readPath) {
        Set<Long> pinning = new HashSet<>();
        Set<Long> readPathStarts = new HashSet<>();
        Set<Long> otherStarts = new HashSet<>();
        for (StapsdtNotes.Note start : StapsdtNotes.sites(notes, "buffer__read__start")) {
            long f = StapsdtNotes.functionAt(functionRanges, start.pc());
            if (f < 0 && major > PIN_LAYOUT_FROM) {
                throw new PgbftraceException(binary + ": buffer__read__start at 0x" + Long.toHexString(start.pc())
                        + " lies in no function its symbol table names, so its hits cannot be told from completed"
                        + " reads");
            }
            pinning.add(f);
            (readPath.contains(f) ? readPathStarts : otherStarts).add(start.pc() & SITE_MASK);
        }
        otherStarts.retainAll(readPathStarts);
        if (!otherStarts.isEmpty()) {
            throw new PgbftraceException(binary + ": two buffer__read__start sites share the low 12 address bits 0x"
                    + Long.toHexString(otherStarts.iterator().next()));
        }
        if (major >= ASYNC_READS_FROM && readPathStarts.isEmpty()) {
            throw new PgbftraceException(binary + ": no buffer__read__start lies in StartReadBuffer or"
                    + " StartReadBuffers, so its misses cannot be told from its later hits");
        }
        Map<Long, String> pinDone = new HashMap<>();
        Set<Long> lateHits = new HashSet<>();
        Map<Long, String> meanings = new HashMap<>();
        Set<Long> answered = new HashSet<>();
        for (StapsdtNotes.Note done : StapsdtNotes.sites(notes, "buffer__read__done")) {
            long f = StapsdtNotes.functionAt(functionRanges, done.pc());
            long low = done.pc() & SITE_MASK;
            boolean pin = major == PIN_LAYOUT_FROM || (f >= 0 && pinning.contains(f));
            String expression = done.argument(6).map(ProbeArgument::expression).orElse(null);
            String meaning;
            if (pin) {
                if (expression == null) {
                    throw new PgbftraceException(binary + ": buffer__read__done at 0x" + Long.toHexString(done.pc())
                            + " passes found as " + (done.arguments().size() > 6 ? done.arguments().get(6)
                            : "nothing") + ", which bpftrace cannot read");
                }
                pinDone.put(low, expression);
                answered.add(f);
                meaning = "pin " + expression;
            } else if (major >= ASYNC_READS_FROM && "1".equals(expression)) {
                lateHits.add(low);
                meaning = "late hit";
            } else {
                meaning = "completion";
            }
            String previous = meanings.put(low, meaning);
            if (previous != null && !previous.equals(meaning)) {
                throw new PgbftraceException(binary + ": two buffer__read__done sites share the low 12 address bits"
                        + " 0x" + Long.toHexString(low));
            }
        }
        if (major > PIN_LAYOUT_FROM && !answered.containsAll(pinning)) {
            throw new PgbftraceException(binary + ": a function that pins buffers fires no buffer__read__done of its"
                    + " own, so its hits cannot be told from misses");
        }
        return new Sites(pinDone, lateHits, readPathStarts);
    }

    /**
     * What every USDT script ends with: writes, statements, the uprobes both methods share, checkpoints, and END,
     * which clears {@code maps} (the ones the script's buffer probes set) and those of the statements.
     *
     * @param beforeStatementEnd code run first where a statement ends (an outcome still open is settled)
     */
    private static void tail(StringBuilder s, String binary, String usdt, String filter, List<StapsdtNotes.Note> notes,
                             Set<String> functions, EventOutput output, String beforeStatementEnd, List<String> maps) {
        if (!StapsdtNotes.sites(notes, "buffer__flush__done").isEmpty()) {
            s.append(usdt).append("buffer__flush__done\n").append(filter).append("\n{\n")
                    .append(output.emit("  ", EventOutput.Kind.WRITE, "nsecs", "pid", "arg3, arg2, arg4", "arg0",
                            "arg1", "-1", null, null))
                    .append("}\n\n");
        }
        boolean queries = output.marksStatements() && Stream.of("query__start", "query__done",
                "query__parse__start", "transaction__abort").noneMatch(p -> StapsdtNotes.sites(notes, p).isEmpty());
        if (queries) {
            queryProbes(s, usdt, filter, notes, output, beforeStatementEnd);
        }
        functionProbes(s, binary, filter, functions);
        if (!StapsdtNotes.sites(notes, "checkpoint__start").isEmpty()) {
            s.append(usdt).append("checkpoint__start\n").append(filter).append("\n{\n")
                    .append("  printf(\"C %llu %d %d\\n\", nsecs, pid, arg0);\n}\n\n");
        }
        List<StapsdtNotes.Note> done = StapsdtNotes.sites(notes, "checkpoint__done");
        if (!done.isEmpty()) {
            // arg0 is CheckpointStats.ckpt_bufs_written, a global read relative to the instruction pointer that
            // bpftrace 0.17 cannot name (its arg0 gave garbage): read it ourselves; -1 where that is impossible
            s.append(usdt).append("checkpoint__done\n").append(filter).append("\n{\n")
                    .append("  printf(\"c %llu %d %d\\n\", nsecs, pid, ").append(sameOnEverySite(done, 0))
                    .append(");\n}\n\n");
        }
        s.append("END\n{\n").append(output.end());
        maps.forEach(m -> s.append("  clear(@").append(m).append(");\n"));
        if (queries) {
            s.append("  clear(@simple);\n  clear(@open);\n  clear(@depth);\n");
        }
        s.append("}\n");
    }

    /** The uprobes both capture methods share, where the binary names the functions: rewrites, workers' shares. */
    static void functionProbes(StringBuilder s, String binary, String filter, Set<String> functions) {
        if (functions.contains("make_new_heap") && functions.contains("finish_heap_swap")) {
            // a rewrite fills new files that PostgreSQL counts for a transient relation until the swap
            s.append("uprobe:").append(binary).append(":make_new_heap\n").append(filter).append("\n{\n")
                    .append("  printf(\"X %llu %d %u\\n\", nsecs, pid, arg0);\n}\n\n");
            s.append("uprobe:").append(binary).append(":finish_heap_swap\n").append(filter).append("\n{\n")
                    .append("  printf(\"Y %llu %d %u\\n\", nsecs, pid, arg0);\n}\n\n");
        }
        if (functions.contains("InstrStartParallelQuery") && functions.contains("InstrEndParallelQuery")) {
            // a parallel worker's share of a statement, as EXPLAIN and pg_stat_statements count it (after its
            // executor startup); its title, read from its argv area where PostgreSQL writes it, names the leader
            // (the worker is often gone before the recorder could read /proc)
            s.append("uprobe:").append(binary).append(":InstrStartParallelQuery\n").append(filter).append("\n{\n")
                    .append("  $title = (uint64)curtask->mm->arg_start;\n")
                    .append("  printf(\"L %llu %d %s\\n\", nsecs, pid, str(uptr($title)));\n}\n\n");
            s.append("uprobe:").append(binary).append(":InstrEndParallelQuery\n").append(filter).append("\n{\n")
                    .append("  printf(\"l %llu %d\\n\", nsecs, pid);\n}\n\n");
        }
    }

    /**
     * Statement boundaries. A simple query runs from {@code query__start} to {@code query__done}; an execution of
     * the extended protocol from its Parse (or, for a prepared statement, its Bind's planning or its Execute) to
     * the end of its Execute. A statement that fails never reaches its done probe: its transaction's abort ends
     * it. Inside a statement, nested portal runs (cursors, functions) neither open nor close one.
     */
    private static void queryProbes(StringBuilder s, String usdt, String filter, List<StapsdtNotes.Note> notes,
                                    EventOutput output, String beforeEnd) {
        String start = output.whenPerEvent("  @open[tid] = 1;\n  printf(\"Q %llu %d %s\\x1e\\n\", nsecs, pid,"
                + " str($text));\n", "  ");
        String done = "  if (@open[tid]) {\n    delete(@open[tid]);\n    printf(\"q %llu %d\\n\", nsecs, pid);\n  }\n";
        s.append(usdt).append("query__start\n").append(filter).append("\n{\n")
                .append("  @simple[tid] = 1;\n  $text = arg0;\n").append(start).append("}\n\n");
        for (String end : new String[]{"query__done", "transaction__abort"}) {
            s.append(usdt).append(end).append("\n").append(filter).append("\n{\n").append(beforeEnd)
                    .append("  delete(@simple[tid]);\n  delete(@depth[tid]);\n").append(done).append("}\n\n");
        }
        s.append(usdt).append("query__parse__start\n").append(filter).append("\n{\n")
                .append("  if (!@simple[tid]) {\n    $text = arg0;\n").append(indented(start)).append("  }\n}\n\n");
        // a prepared statement runs without a Parse: its text is the statement PostgreSQL is running
        for (String probe : new String[]{"query__plan__start", "query__execute__start"}) {
            List<StapsdtNotes.Note> sites = StapsdtNotes.sites(notes, probe);
            if (sites.isEmpty()) {
                continue;
            }
            s.append(usdt).append(probe).append("\n").append(filter).append("\n{\n");
            if (probe.equals("query__execute__start")) {
                s.append("  @depth[tid] = @depth[tid] + 1;\n");
            }
            s.append("  if (!@simple[tid] && !@open[tid]) {\n")
                    .append(perSite(sites, "$text", n -> n.global("debug_query_string")
                            .map(ProbeArgument::expression).orElse(null), "    "))
                    .append(indented(start)).append("  }\n}\n\n");
        }
        if (!StapsdtNotes.sites(notes, "query__execute__done").isEmpty()) {
            s.append(usdt).append("query__execute__done\n").append(filter).append("\n{\n")
                    .append("  @depth[tid] = @depth[tid] - 1;\n")
                    .append("  if (!@simple[tid] && @depth[tid] <= 0) {\n    delete(@depth[tid]);\n")
                    .append(indented(done)).append("  }\n}\n\n");
        }
    }

    /** The lines of a block, one level deeper. */
    private static String indented(String lines) {
        return lines.replaceAll("(?m)^", "  ");
    }

    /**
     * Sets {@code variable} to an expression that depends on the probe site (a global read relative to the
     * instruction pointer): sites are told apart by the low 12 bits of their address, as for the outcome.
     * The variable is 0 where no expression is known.
     */
    static String perSite(List<StapsdtNotes.Note> sites, String variable,
                          java.util.function.Function<StapsdtNotes.Note, String> expression, String indent) {
        Map<Long, String> byLow = new HashMap<>();
        for (StapsdtNotes.Note site : sites) {
            String e = expression.apply(site);
            String previous = byLow.put(site.pc() & SITE_MASK, e);
            if (e == null || (previous != null && !previous.equals(e))) {
                return indent + variable + " = 0;\n";
            }
        }
        if (byLow.size() == 1) {
            return indent + variable + " = " + byLow.values().iterator().next() + ";\n";
        }
        StringBuilder b = new StringBuilder(indent + variable + " = 0;\n");
        byLow.forEach((low, e) -> b.append(indent).append("if ((reg(\"ip\") & 0x")
                .append(Integer.toHexString(SITE_MASK)).append(") == 0x").append(Long.toHexString(low)).append(") { ")
                .append(variable).append(" = ").append(e).append("; }\n"));
        return b.toString();
    }

    /** The expression reading argument {@code i} when every site has it at the same place, else "-1". */
    static String sameOnEverySite(List<StapsdtNotes.Note> sites, int i) {
        Set<String> expressions = new HashSet<>();
        for (StapsdtNotes.Note site : sites) {
            expressions.add(site.argument(i).map(ProbeArgument::expression).orElse("-1"));
        }
        return expressions.size() == 1 ? expressions.iterator().next() : "-1";
    }

    /**
     * Fills site (low 12 bits of its address) -> [isExtend, found] locations; returns why that is impossible,
     * or null when every site can be told apart and read.
     */
    static String outcomeSites(List<StapsdtNotes.Note> readDone, Map<Long, List<ProbeArgument>> out) {
        for (StapsdtNotes.Note site : readDone) {
            if (site.arguments().size() <= FOUND_ARG) {
                return "buffer__read__done at 0x" + Long.toHexString(site.pc()) + " has "
                        + site.arguments().size() + " arguments, not 8";
            }
            List<ProbeArgument> args = new ArrayList<>();
            for (int i : new int[]{IS_EXTEND_ARG, FOUND_ARG}) {
                String spec = site.arguments().get(i);
                Optional<ProbeArgument> arg = site.argument(i);
                if (arg.isEmpty()) {
                    return "argument location " + spec + " cannot be read from bpftrace";
                }
                args.add(arg.get());
            }
            long low = site.pc() & SITE_MASK;
            List<ProbeArgument> previous = out.put(low, args);
            if (previous != null && !previous.equals(args)) {
                return "two buffer__read__done sites share the low 12 address bits 0x" + Long.toHexString(low);
            }
        }
        return null;
    }
}
