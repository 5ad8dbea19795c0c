package io.pgbftrace.capture;

import io.pgbftrace.session.PgbftraceException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The capture script for a postgres binary without USDT probes: uprobes on the buffer manager's own functions,
 * found in the binary's symbol table, printing the same lines as {@link BpftraceScript} (docs/session-format.md).
 *
 * <p>PostgreSQL 13 to 16 read a block through {@code ReadBuffer_common(smgr, relpersistence, fork, block, mode,
 * strategy, bool *hit)}; pg_statio counts the calls that come through {@code ReadBufferExtended} (a read each, a
 * hit when {@code *hit}), so those are the accesses traced: the 7th argument is on the stack at entry, and
 * {@code *hit} is read at return. An {@code SMgrRelation} starts with the file's (spc, db, relfilenode) and the
 * backend id. Extensions are the md layer's ({@code mdextend}, from 16 also {@code mdzeroextend}) inside
 * {@code ReadBuffer_common} for a new block (13-15) or inside {@code ExtendBufferedRelBy/To} (16); kernel reads
 * are {@code mdread}; buffer writes are {@code mdwrite} inside {@code FlushBuffer} (a compiler clone such as
 * {@code FlushBuffer.isra.11} is fine: only its entry and return are used). PostgreSQL 17 reads through
 * {@code StartReadBuffer(s)} (see {@link #readBuffers17}) and the md layer's vectored {@code mdreadv}/{@code
 * mdwritev}; 18 pins like 17 but forwards pinned buffers between calls (see {@link #readBuffers18}) and reads
 * asynchronously, possibly in another process (see {@link #asyncReads18}).
 */
public final class UprobeScript {
    public static final String METHOD = "function-uprobes";
    /** What each supported major version needs; every other function is optional. */
    private static final List<String> REQUIRED = List.of("ReadBufferExtended", "ReadBuffer_common", "mdread",
            "mdextend");
    private static final List<String> REQUIRED_16 = List.of("ExtendBufferedRelBy", "ExtendBufferedRelTo",
            "mdzeroextend");
    private static final List<String> REQUIRED_17 = List.of("StartReadBuffer", "StartReadBuffers",
            "ReadBufferExtended", "ZeroAndLockBuffer", "mdreadv", "mdextend");
    private static final List<String> REQUIRED_18 = List.of("StartReadBuffer", "StartReadBuffers",
            "ReadBufferExtended", "ZeroAndLockBuffer", "pgstat_count_io_op", "mdextend", "mdstartreadv",
            "pgaio_io_process_completion");
    /** 18's IOOP_HIT (pgstat.h: EVICT, FSYNC, HIT, ...). */
    private static final int IOOP_HIT_18 = 2;
    /** The most buffers one StartReadBuffers call pins: PG_IOV_MAX, io_combine_limit's ceiling (18). */
    static final int MAX_BLOCKS_PER_READ_18 = 128;
    private static final String P_NEW = "0xffffffff";
    /** The fork of a ReadBuffersOperation ($o), 17 and 18. */
    private static final String OP_FORK = "*(int32 *)($o + 20)";
    static final String ASYNC_READ_NOTE = "PostgreSQL 18 and later read asynchronously: a kernel read is recorded for the"
            + " backend that issued it, whichever process performed it (an I/O worker with io_method=worker), and its"
            + " latency runs from the issue to the completion, time queued for a worker included";

    /** Symbols whose addresses the script uses when the binary defines them (see the 5-argument generate). */
    public static final Set<String> ADDRESSES_USED = Set.of("PortalRun", "debug_query_string");

    /** The script, and the functions it attaches to (as the symbol table names them). */
    public record Script(String text, List<String> functions, List<String> notes) {
    }

    private UprobeScript() {
    }

    /**
     * @param versionNum server_version_num of the server (the binary's major version)
     * @param symbols    every function the binary's symbol tables name
     */
    public static Script generate(String binary, int postmasterPid, int versionNum, Set<String> symbols) {
        return generate(binary, postmasterPid, versionNum, symbols, Map.of());
    }

    /**
     * @param addresses link-time addresses of {@link #ADDRESSES_USED} where the binary defines them: with them,
     *                  executions of the extended protocol are marked as statements too
     */
    public static Script generate(String binary, int postmasterPid, int versionNum, Set<String> symbols,
                                  Map<String, Long> addresses) {
        return generate(binary, postmasterPid, versionNum, symbols, addresses, EventOutput.events());
    }

    /** @param output how buffer events leave the kernel: a line each, or counts per slice */
    public static Script generate(String binary, int postmasterPid, int versionNum, Set<String> symbols,
                                  Map<String, Long> addresses, EventOutput output) {
        int major = versionNum / 10000;
        if (major < 13 || major > 18) {
            throw new PgbftraceException("uprobe capture supports PostgreSQL 13 to 18 so far, not " + major);
        }
        boolean v17 = major >= 17;
        boolean v18 = major >= 18;
        List<String> required = new ArrayList<>(v18 ? REQUIRED_18 : v17 ? REQUIRED_17 : REQUIRED);
        if (major >= 16) {
            required.addAll(REQUIRED_16);
        }
        List<String> missing = required.stream().filter(f -> !symbols.contains(f)).toList();
        if (!missing.isEmpty()) {
            throw new PgbftraceException("uprobe capture needs " + String.join(", ", missing)
                    + ", which its symbol table does not name (a stripped binary keeps only exported functions)");
        }
        Set<String> used = new TreeSet<>(required);
        String filter = "/ curtask->real_parent->tgid == " + postmasterPid + " /";
        String u = "uprobe:" + binary + ":";
        String r = "uretprobe:" + binary + ":";
        StringBuilder s = new StringBuilder();
        s.append("// pgbftrace capture script: uprobes on the buffer manager's functions of ").append(binary)
                .append(" (PostgreSQL ").append(major).append(", no USDT probes)\n")
                .append("// traces the children of postmaster pid ").append(postmasterPid).append(" only\n")
                .append("BEGIN {").append(output.begin()).append(" printf(\"R %llu\\n\", nsecs); }\n")
                .append("interval:ms:100 { printf(\"T %llu\\n\", nsecs); }\n\n").append(output.slice());

        if (v18) {
            readBuffers18(s, u, r, filter, output);
        } else if (v17) {
            readBuffers17(s, u, r, filter, output);
        } else {
            // the accesses pg_statio counts: those through ReadBufferExtended
            s.append(u).append("ReadBufferExtended\n").append(filter).append("\n{\n  @rbe[tid] = 1;\n}\n\n");
            s.append(r).append("ReadBufferExtended\n").append(filter).append("\n{\n  delete(@rbe[tid]);\n}\n\n");
            s.append(u).append("ReadBuffer_common\n").append(filter).append("\n{\n")
                    .append("  if (@rbe[tid]) {\n")
                    .append("    @smgr[tid] = arg0;\n    @fork[tid] = arg2;\n    @blk[tid] = arg3;\n")
                    .append("    @hitp[tid] = *(uint64 *)(reg(\"sp\") + 8);\n  }\n")
                    .append("  if (arg3 == ").append(P_NEW).append(") {\n    @extc[tid] = 1;\n  }\n}\n\n");
            s.append(r).append("ReadBuffer_common\n").append(filter).append("\n{\n")
                    .append("  delete(@extc[tid]);\n")
                    .append("  if (@hitp[tid]) {\n")
                    .append("    $s = @smgr[tid];\n")
                    .append("    if (@blk[tid] != ").append(P_NEW).append(") {\n")
                    .append(output.emit("      ", EventOutput.Kind.ACCESS, "nsecs", "pid", file("$s"), "@fork[tid]",
                            "@blk[tid]", backend("$s"), "*(uint8 *)@hitp[tid] ? 0 : 1", null))
                    .append("    }\n")
                    .append("    delete(@hitp[tid]);\n    delete(@smgr[tid]);\n    delete(@fork[tid]);\n")
                    .append("    delete(@blk[tid]);\n  }\n}\n\n");

        }

        // extensions: the md layer's, inside the buffer manager (VACUUM FULL and index builds extend outside it)
        // 13-15 extend inside ReadBuffer_common (@extc), 17 inside ExtendBufferedRel* (@extb), 16 both ways
        String inExtend = "/ curtask->real_parent->tgid == " + postmasterPid
                + (v17 ? " && @extb[tid] /" : major == 16 ? " && (@extc[tid] || @extb[tid]) /" : " && @extc[tid] /");
        if (major >= 16) {
            for (String f : List.of("ExtendBufferedRelBy", "ExtendBufferedRelTo")) {
                s.append(u).append(f).append('\n').append(filter).append("\n{\n  @extb[tid] = 1;\n}\n\n");
                s.append(r).append(f).append('\n').append(filter).append("\n{\n  delete(@extb[tid]);\n}\n\n");
            }
            s.append(u).append("mdzeroextend\n").append(inExtend).append("\n{\n")
                    .append(output.emit("  ", EventOutput.Kind.EXTEND, "nsecs", "pid", file("arg0"), "arg1", "arg2",
                            backend("arg0"), null, "arg3")).append("}\n\n");
        }
        s.append(u).append("mdextend\n").append(inExtend).append("\n{\n")
                .append(output.emit("  ", EventOutput.Kind.EXTEND, "nsecs", "pid", file("arg0"), "arg1", "arg2",
                        backend("arg0"), null, null)).append("}\n\n");

        // reads that reached the kernel, with their latency (17: one vectored read of several blocks); 18 reads
        // asynchronously (see asyncReads18)
        List<String> notes = new ArrayList<>();
        if (v18) {
            asyncReads18(s, u, filter, output, "");
            notes.add(ASYNC_READ_NOTE);
        } else {
            String read = v17 ? "mdreadv" : "mdread";
            s.append(u).append(read).append('\n').append(filter).append("\n{\n")
                    .append("  @rs[tid] = nsecs;\n  @rr[tid] = arg0;\n  @rf[tid] = arg1;\n  @rb[tid] = arg2;\n")
                    .append(v17 ? "  @rn[tid] = arg4;\n" : "").append("}\n\n");
            s.append(r).append(read).append('\n').append(filter).append("\n{\n")
                    .append("  $t = @rs[tid];\n  if ($t) {\n    $s = @rr[tid];\n")
                    .append(output.emit("    ", EventOutput.Kind.READ, "$t", "pid", file("$s"), "@rf[tid]",
                            "@rb[tid]", backend("$s"), "nsecs - $t", v17 ? "@rn[tid]" : null))
                    .append("    delete(@rs[tid]);\n    delete(@rr[tid]);\n    delete(@rf[tid]);\n")
                    .append("    delete(@rb[tid]);\n").append(v17 ? "    delete(@rn[tid]);\n" : "").append("  }\n}\n\n");
        }

        // shared buffers written out: the md layer's writes inside FlushBuffer
        Optional<String> flush = clone(symbols, "FlushBuffer");
        String write = v17 ? "mdwritev" : "mdwrite";
        if (flush.isPresent() && symbols.contains(write)) {
            String f = quoted(flush.get());
            used.add(flush.get());
            used.add(write);
            s.append(u).append(f).append('\n').append(filter).append("\n{\n  @fl[tid] = 1;\n}\n\n");
            s.append(r).append(f).append('\n').append(filter).append("\n{\n  delete(@fl[tid]);\n}\n\n");
            s.append(u).append(write).append("\n/ curtask->real_parent->tgid == ").append(postmasterPid)
                    .append(" && @fl[tid] /\n{\n")
                    .append(output.emit("  ", EventOutput.Kind.WRITE, "nsecs", "pid", file("arg0"), "arg1", "arg2",
                            "-1", null, null)).append("}\n\n");
        }
        if (symbols.contains("CreateCheckPoint")) {
            used.add("CreateCheckPoint");
            s.append(u).append("CreateCheckPoint\n").append(filter).append("\n{\n")
                    .append("  printf(\"C %llu %d %d\\n\", nsecs, pid, arg0);\n}\n\n");
            s.append(r).append("CreateCheckPoint\n").append(filter).append("\n{\n")
                    .append("  printf(\"c %llu %d -1\\n\", nsecs, pid);\n}\n\n");
        }
        Optional<String> portalText = symbols.contains("PortalRun") && addresses.containsKey("PortalRun")
                ? ProbeArgument.parse("8@debug_query_string(%rip)", addresses.get("PortalRun"), addresses)
                .map(ProbeArgument::expression) : Optional.empty();
        if (symbols.contains("exec_simple_query") && symbols.contains("AbortCurrentTransaction")
                && output.marksStatements()) {
            statements(s, u, r, filter, portalText, output);
            used.addAll(List.of("exec_simple_query", "AbortCurrentTransaction"));
            portalText.ifPresent(t -> used.add("PortalRun"));
            notes.add(portalText.isPresent() ? "statements of the extended protocol are marked from their Execute"
                    + " on (the buffers their Parse and Bind used, for planning, are not theirs)"
                    : "statements are marked for the simple protocol only");
        }
        Set<String> shared = new TreeSet<>(symbols);
        shared.retainAll(BpftraceScript.UPROBE_FUNCTIONS);
        BpftraceScript.functionProbes(s, binary, filter, shared);
        used.addAll(shared);
        // END clears exactly the maps the script sets (bpftrace refuses a map nothing assigns)
        List<String> maps = new ArrayList<>(v18 ? List.of("op", "bn", "nin", "fw", "bufs", "hit", "zrel", "zfork",
                "zblk", "aio") : v17 ? List.of("op", "bn", "np", "zrel", "zfork", "zblk", "rs", "rr", "rf", "rb", "rn")
                : List.of("rbe", "smgr", "fork", "blk", "hitp", "extc", "rs", "rr", "rf", "rb"));
        if (major >= 16) {
            maps.add("extb");
        }
        if (used.contains(write)) {
            maps.add("fl");
        }
        if (used.contains("exec_simple_query")) {
            maps.add("open");
        }
        if (used.contains("PortalRun")) {
            maps.add("depth");
        }
        s.append("END\n{\n").append(output.end());
        maps.forEach(m -> s.append("  clear(@").append(m).append(");\n"));
        s.append("}\n");
        return new Script(s.toString(), List.copyOf(used), List.copyOf(notes));
    }

    /**
     * PostgreSQL 18 pins like 17, but {@code StartReadBuffers} takes over buffers a split earlier call pinned
     * ("forwarded", leading non-zero entries of {@code buffers[]} at entry, counted then), and may hand pinned
     * buffers on to the next call. So the blocks counted in a call are the entries from the first not forwarded
     * on to the first empty one at return (it pins one block after another); the last of them was a hit when {@code pgstat_count_io_op(..., IOOP_HIT)} ran
     * meanwhile (the loop stops at the first hit), the others misses.
     */
    private static void readBuffers18(StringBuilder s, String u, String r, String filter, EventOutput output) {
        // bounded loops that stop at the first empty entry: the verifier accepts 128 rounds of them (one that
        // counts entries, or an unrolled one of 32, is too long for it)
        String loop = "  while ($i < $n && $i < " + MAX_BLOCKS_PER_READ_18 + ") {\n";
        s.append(u).append("StartReadBuffer\n").append(filter).append("\n{\n")
                .append("  @op[tid] = arg0;\n  @bn[tid] = arg2;\n  @nin[tid] = 1;\n  @fw[tid] = 0;\n")
                .append("  @bufs[tid] = arg1;\n  @hit[tid] = 0;\n}\n\n");
        s.append(u).append("StartReadBuffers\n").append(filter).append("\n{\n")
                .append("  $n = *(int32 *)arg3;\n  $i = (uint64)0;\n  $f = 0;\n").append(loop)
                .append("    if (*(int32 *)(arg1 + $i * 4) == 0) {\n      break;\n    }\n")
                .append("    $f = $f + 1;\n    $i = $i + 1;\n  }\n")
                .append("  @op[tid] = arg0;\n  @bn[tid] = arg2;\n  @nin[tid] = $n;\n  @fw[tid] = $f;\n")
                .append("  @bufs[tid] = arg1;\n  @hit[tid] = 0;\n}\n\n");
        s.append(u).append("pgstat_count_io_op\n/ @op[tid] && arg2 == ").append(IOOP_HIT_18)
                .append(" /\n{\n  @hit[tid] = 1;\n}\n\n");
        s.append(r).append("StartReadBuffer,\n").append(r).append("StartReadBuffers\n").append(filter)
                .append("\n{\n  $o = @op[tid];\n  $b = @bufs[tid];\n  $n = @nin[tid];\n  $f = @fw[tid];\n")
                .append("  $i = (uint64)0;\n").append(loop)
                .append("    if (*(int32 *)($b + $i * 4) == 0) {\n      break;\n    }\n    $i = $i + 1;\n  }\n")
                .append("  $p = $i - $f;\n")
                .append("  if ($o && *(uint64 *)$o && $p > 0) {\n")
                .append("    $s = *(uint64 *)($o + 8);\n")
                .append("    $miss = $p;\n    if (@hit[tid]) {\n      $miss = $p - 1;\n")
                .append(output.emit("      ", EventOutput.Kind.ACCESS, "nsecs", "pid", file("$s"), OP_FORK,
                        "@bn[tid] + $f + $p - 1", backend("$s"), "0", null)).append("    }\n")
                .append("    if ($miss > 0) {\n")
                .append(output.emit("      ", EventOutput.Kind.ACCESS, "nsecs", "pid", file("$s"), OP_FORK,
                        "@bn[tid] + $f", backend("$s"), "1", "$miss")).append("    }\n")
                .append("  }\n  delete(@op[tid]);\n  delete(@bn[tid]);\n  delete(@nin[tid]);\n  delete(@fw[tid]);\n")
                .append("  delete(@bufs[tid]);\n  delete(@hit[tid]);\n}\n\n");
        zeroingReads(s, u, r, filter, output);
    }

    /**
     * Statement marks. A simple query runs through {@code exec_simple_query}. The extended protocol's own functions
     * are inlined into PostgresMain in these builds, so an execution is marked where its Execute runs the portal:
     * the outermost {@code PortalRun} outside a simple query (nested runs, for cursors and functions, neither open
     * nor close one), its text PostgreSQL's {@code debug_query_string}, read relative to the instruction pointer at
     * the function's entry. A statement that fails ends with its transaction's abort.
     */
    private static void statements(StringBuilder s, String u, String r, String filter, Optional<String> portalText,
                                   EventOutput output) {
        String done = "    printf(\"q %llu %d\\n\", nsecs, pid);\n";
        s.append(u).append("exec_simple_query\n").append(filter).append("\n{\n")
                .append(output.whenPerEvent("  @open[tid] = 1;\n  printf(\"Q %llu %d %s\\x1e\\n\", nsecs, pid,"
                        + " str(arg0));\n", "  ")).append("}\n\n");
        for (String end : new String[]{r + "exec_simple_query", u + "AbortCurrentTransaction"}) {
            s.append(end).append('\n').append(filter).append("\n{\n")
                    .append(portalText.isPresent() ? "  delete(@depth[tid]);\n" : "")
                    .append("  if (@open[tid]) {\n    delete(@open[tid]);\n").append(done).append("  }\n}\n\n");
        }
        if (portalText.isEmpty()) {
            return;
        }
        s.append(u).append("PortalRun\n").append(filter).append("\n{\n")
                .append("  @depth[tid] = @depth[tid] + 1;\n")
                .append(output.mode() == EventOutput.Mode.AUTO ? "  if (!@open[tid] && !@agg) {\n    @open[tid] = 2;\n"
                        : "  if (!@open[tid]) {\n    @open[tid] = 2;\n")
                .append("    printf(\"Q %llu %d %s\\x1e\\n\", nsecs, pid, str(").append(portalText.get())
                .append("));\n  }\n}\n\n");
        s.append(r).append("PortalRun\n").append(filter).append("\n{\n")
                .append("  @depth[tid] = @depth[tid] - 1;\n")
                .append("  if (@depth[tid] <= 0) {\n    delete(@depth[tid]);\n")
                .append("    if (@open[tid] == 2) {\n      delete(@open[tid]);\n  ").append(done)
                .append("    }\n  }\n}\n\n");
    }

    /**
     * PostgreSQL 18 reads through asynchronous I/O handles: the backend that needs blocks issues one read of up to
     * io_combine_limit blocks with {@code mdstartreadv(ioh, smgr, fork, block, buffers, nblocks)}, and whichever
     * process performs it (the backend itself with io_method=sync or when it must wait, an I/O worker, or io_uring's
     * completion in any backend) ends it in {@code pgaio_io_process_completion(ioh, result)}. Handles live in shared
     * memory at the same address in every process, so the issue is kept under the handle (the file read from the
     * issuer's SMgrRelation, which is its own memory) and printed at completion as a kernel read of the issuer: the
     * blocks asked for (pg_stat_io counts them so, at issue) unless the read failed; the latency from issue to
     * completion. {@code atIssue} runs first at the issue (the USDT script settles the issuer's open pin there).
     */
    static void asyncReads18(StringBuilder s, String u, String filter, EventOutput output, String atIssue) {
        s.append(u).append("mdstartreadv\n").append(filter).append("\n{\n").append(atIssue)
                .append("  @aio[arg0] = (nsecs, pid, ").append(file("arg1")).append(", (int32)arg2, (uint32)arg3, ")
                .append(backend("arg1")).append(", (uint32)arg5);\n}\n\n");
        s.append(u).append("pgaio_io_process_completion\n").append(filter).append("\n{\n")
                .append("  $io = @aio[arg0];\n  if ($io.0) {\n")
                .append("    if ((int32)arg1 > 0) {\n")
                .append(output.emit("      ", EventOutput.Kind.READ, "$io.0", "$io.1", "$io.2, $io.3, $io.4", "$io.5",
                        "$io.6", "$io.7", "nsecs - $io.0", "$io.8")).append("    }\n")
                .append("    delete(@aio[arg0]);\n  }\n}\n\n");
    }

    /**
     * PostgreSQL 17 pins each block in {@code PinBufferForBlock} (inlined), counting it in pg_statio when the read
     * has a relation: {@code StartReadBuffer(s)} pins from the first block on and stops after the first hit, so a
     * call that needs no I/O was one hit, and one that does left {@code io_buffers_len} misses in its
     * {@code ReadBuffersOperation} (rel +0, smgr +8, fork +20, blocknum +40, nblocks +48, io_buffers_len +50),
     * followed by a hit when it pinned more blocks than that. {@code ReadBufferExtended} with a zeroing mode pins
     * directly and tells {@code ZeroAndLockBuffer} whether the block was there.
     */
    private static void readBuffers17(StringBuilder s, String u, String r, String filter, EventOutput output) {
        s.append(u).append("StartReadBuffer\n").append(filter).append("\n{\n")
                .append("  @op[tid] = arg0;\n  @bn[tid] = arg2;\n  @np[tid] = 0;\n}\n\n");
        s.append(u).append("StartReadBuffers\n").append(filter).append("\n{\n")
                .append("  @op[tid] = arg0;\n  @bn[tid] = arg2;\n  @np[tid] = arg3;\n}\n\n");
        s.append(r).append("StartReadBuffer,\n").append(r).append("StartReadBuffers\n").append(filter)
                .append("\n{\n  $o = @op[tid];\n")
                .append("  if ($o && *(uint64 *)$o) {\n")
                .append("    $s = *(uint64 *)($o + 8);\n")
                .append("    $n = 1;\n    if (@np[tid]) {\n      $n = *(int32 *)@np[tid];\n    }\n")
                .append("    $miss = 0;\n    if (retval & 0xff) {\n      $miss = *(int16 *)($o + 50);\n    }\n")
                .append("    if ($miss > 0) {\n")
                .append(output.emit("      ", EventOutput.Kind.ACCESS, "nsecs", "pid", file("$s"), OP_FORK,
                        "@bn[tid]", backend("$s"), "1", "$miss")).append("    }\n")
                .append("    if ($n > $miss) {\n")
                .append(output.emit("      ", EventOutput.Kind.ACCESS, "nsecs", "pid", file("$s"), OP_FORK,
                        "@bn[tid] + $n - 1", backend("$s"), "0", null)).append("    }\n")
                .append("  }\n  delete(@op[tid]);\n  delete(@bn[tid]);\n  delete(@np[tid]);\n}\n\n");
        zeroingReads(s, u, r, filter, output);
    }

    /** RBM_ZERO_AND_LOCK (1) and RBM_ZERO_AND_CLEANUP_LOCK (2) pin without StartReadBuffer (17, 18). */
    private static void zeroingReads(StringBuilder s, String u, String r, String filter, EventOutput output) {
        s.append(u).append("ReadBufferExtended\n").append(filter).append("\n{\n")
                .append("  if (arg3 == 1 || arg3 == 2) {\n")
                .append("    @zrel[tid] = arg0;\n    @zfork[tid] = arg1;\n    @zblk[tid] = arg2;\n  }\n}\n\n");
        s.append(r).append("ReadBufferExtended\n").append(filter).append("\n{\n")
                .append("  delete(@zrel[tid]);\n  delete(@zfork[tid]);\n  delete(@zblk[tid]);\n}\n\n");
        s.append(u).append("ZeroAndLockBuffer\n").append(filter).append("\n{\n")
                .append("  $z = @zrel[tid];\n  if ($z) {\n")
                // a RelationData starts with its RelFileLocator; a local buffer has a negative number
                .append(output.emit("    ", EventOutput.Kind.ACCESS, "nsecs", "pid", file("$z"), "@zfork[tid]",
                        "@zblk[tid]", "(int32)arg0 < 0 ? 0 : -1", "(arg2 & 0xff) ? 0 : 1", null))
                .append("    delete(@zrel[tid]);\n  }\n}\n\n");
    }

    /** db, spc, relfilenode of an SMgrRelation (its RelFileNode/RelFileLocator comes first: spc, db, rel). */
    static String file(String smgr) {
        return "*(uint32 *)(" + smgr + " + 4), *(uint32 *)" + smgr + ", *(uint32 *)(" + smgr + " + 8)";
    }

    /** The backend id that follows it: -1 for a shared buffer, else a temporary relation's local one. */
    static String backend(String smgr) {
        return "*(int32 *)(" + smgr + " + 12)";
    }

    /** The function itself, or a compiler clone of it that keeps its entry and return (.isra, .constprop). */
    static Optional<String> clone(Set<String> symbols, String name) {
        if (symbols.contains(name)) {
            return Optional.of(name);
        }
        return symbols.stream().filter(f -> f.startsWith(name + ".isra.") || f.startsWith(name + ".constprop."))
                .sorted().findFirst();
    }

    /** bpftrace needs a name with dots quoted. */
    private static String quoted(String function) {
        return function.contains(".") ? "\"" + function + "\"" : function;
    }
}
