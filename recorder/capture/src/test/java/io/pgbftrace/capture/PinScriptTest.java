package io.pgbftrace.capture;

import io.pgbftrace.session.PgbftraceException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;

import static io.pgbftrace.capture.BpftraceScriptTest.note;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The USDT script of PostgreSQL 16 and later, on the probe sites and exported functions of Debian's 18.6 build
 * (readelf -n and --dyn-syms of /usr/lib/postgresql/18/bin/postgres, postgresql-18 18.6-3): a block counted where
 * it is pinned, the read__done sites of completed reads left out.
 */
class PinScriptTest {
    private static final String BIN = "/usr/lib/postgresql/18/bin/postgres";

    /** Start -> end of the exported functions that hold probe sites. */
    static NavigableMap<Long, Long> functions18() {
        NavigableMap<Long, Long> f = new TreeMap<>();
        f.put(0x4fbd90L, 0x4fbd90L + 1652); // StartReadBuffers
        f.put(0x4fc410L, 0x4fc410L + 1218); // StartReadBuffer
        f.put(0x4fd1b0L, 0x4fd1b0L + 1961); // ReadBufferExtended
        f.put(0x4fd960L, 0x4fd960L + 1123); // ReadBufferWithoutRelcache
        f.put(0x4fe6f0L, 0x4fe6f0L + 2603); // ExtendBufferedRelTo
        f.put(0x4fa2d0L, 0x4fa2d0L + 542);  // WaitReadBuffers
        return f;
    }

    static List<StapsdtNotes.Note> notes18() {
        List<StapsdtNotes.Note> n = new ArrayList<>();
        // completions: a local read (static function), a block read by another backend, a shared read's callback
        n.add(note("buffer__read__done", 0x4f66de,
                "-4@-80(%rbp) 4@%r12d 4@-68(%rbp) 4@-72(%rbp) 4@-76(%rbp) -4@MyProcNumber(%rip) 1@$0"));
        n.add(note("buffer__read__done", 0x4fa031, "-4@-1140(%rbp) 4@-1144(%rbp) 4@(%rax) 4@4(%rax) 4@8(%rax) -4@12(%rax) 1@$1"));
        n.add(note("buffer__read__done", 0x4fa78b, "-4@-84(%rbp) 4@%r12d 4@-72(%rbp) 4@-76(%rbp) 4@-80(%rbp) -4@$-1 1@$0"));
        // pins: each read__done beside its read__start
        String[][] pins = {{"4fbed0", "4fc1d9", "-4@-100(%rbp) 4@-104(%rbp) 4@(%r14) 4@4(%r14) 4@8(%r14) -4@12(%r14)"},
                {"4fc4a3", "4fc6fc", "-4@-100(%rbp) 4@-104(%rbp) 4@0(%r13) 4@4(%r13) 4@8(%r13) -4@12(%r13)"},
                {"4fd2ce", "4fd5b4", "-4@%r11d 4@%r9d 4@(%rbx) 4@4(%rbx) 4@8(%rbx) -4@12(%rbx)"},
                {"4fdaf6", "4fdd56", "-4@%r12d 4@%ebx 4@(%r9) 4@4(%r9) 4@8(%r9) -4@12(%r9)"},
                {"4feb6f", "4fed5a", "-4@-440(%rbp) 4@%r13d 4@(%rax) 4@4(%rax) 4@8(%rax) -4@12(%rax)"}};
        for (String[] p : pins) {
            n.add(note("buffer__read__start", Long.parseLong(p[0], 16), p[2]));
            n.add(note("buffer__read__done", Long.parseLong(p[1], 16), p[2] + " 1@$1"));
        }
        n.add(note("buffer__extend__start", 0x4fc947, "-4@%edi 4@(%r15) 4@4(%r15) 4@8(%r15) -4@12(%r15) 4@%eax"));
        n.add(note("buffer__extend__done", 0x4fc9cd,
                "-4@-180(%rbp) 4@(%r15) 4@4(%r15) 4@8(%r15) -4@12(%r15) 4@%r11d 4@-168(%rbp)"));
        n.add(note("buffer__flush__done", 0x4fab8b, "-4@12(%rbx) 4@16(%rbx) 4@(%r12) 4@4(%r12) 4@8(%r12)"));
        return n;
    }

    /** StartReadBuffers, StartReadBuffer. */
    private static final Set<Long> READ_PATH = Set.of(0x4fbd90L, 0x4fc410L);

    private static final Set<String> EXPORTED = Set.of("mdstartreadv", "pgaio_io_process_completion",
            "make_new_heap", "finish_heap_swap", "InstrStartParallelQuery", "InstrEndParallelQuery");

    @Test
    void hitsAreTheReadDonesWhereABlockIsPinnedAndCompletionsAreLeftOut() {
        BpftraceScript.Sites sites = BpftraceScript.pinSites(BIN, 18, notes18(), functions18(), READ_PATH);
        assertEquals(Map.of(0x1d9L, "1", 0x6fcL, "1", 0x5b4L, "1", 0xd56L, "1", 0xd5aL, "1"), sites.pinDone());
        // a block this backend pinned not found, and found read by another backend when it came to read it
        assertEquals(Set.of(0x031L), sites.lateHits());
        assertEquals(Set.of(0xed0L, 0x4a3L), sites.readPathStarts());
    }

    @Test
    void theScriptCountsPinsAndReadsAsynchronousReadsThroughUprobes() {
        String t = BpftraceScript.generatePins(BIN, 4242, 18, notes18(), functions18(), READ_PATH, EXPORTED, 8192,
                EventOutput.events()).text();
        assertTrue(t.contains("@pin[tid] = ((uint64)nsecs, (uint64)arg0, (uint64)arg1, (uint64)arg2, (uint64)arg3,"
                + " (uint64)arg4, (uint64)arg5);"), t);
        // the read path's misses are its reads' blocks, counted where the backend issues them
        assertTrue(t.contains("if ($site != 0xed0 && $site != 0x4a3) {") || t.contains("if ($site != 0x4a3 && $site"
                + " != 0xed0) {"), t);
        assertTrue(t.contains("if ($site == 0x31) { $pinned = 2; $found = 1; }"), t);
        assertTrue(t.contains("printf(\"A %llu %d %u %u %u %d %u %d %d %d\\n\", nsecs, pid, *(uint32 *)(arg1 + 4),"
                + " *(uint32 *)arg1, *(uint32 *)(arg1 + 8), (int32)arg2, (uint32)arg3, *(int32 *)(arg1 + 12), 1,"
                + " (uint32)arg5);"), t);
        assertTrue(t.contains("if ($site == 0x6fc) { $pinned = 1; $found = 1; }"), t);
        assertFalse(t.contains("$site == 0x78b"), "a completed read is no access: " + t);
        // an open pin closed by the thread's next step is a miss at its own time and block
        assertTrue(t.contains("printf(\"A %llu %d %u %u %u %d %u %d %d\\n\", $p.0, pid, $p.4, $p.3, $p.5, $p.1,"
                + " $p.2, $p.6, 1);"), t);
        assertTrue(t.contains("uprobe:" + BIN + ":mdstartreadv\n/ curtask->real_parent->tgid == 4242 /\n{\n  $p = @pin[tid];"),
                "a read's issue settles the issuer's pin: " + t);
        assertTrue(t.contains("tracepoint:sched:sched_process_exit"), t);
        // extensions: extend_by blocks from first_block, the 7th argument
        assertTrue(t.contains("printf(\"E %llu %d %u %u %u %d %u %d %d\\n\", nsecs, pid, arg2, arg1, arg3, arg0,"
                + " *(uint32*)(reg(\"bp\") - 168), arg5, arg4);"), t);
        assertTrue(t.contains("uprobe:" + BIN + ":make_new_heap"), t);
        assertFalse(t.contains("smgr__md__read"), "18 reads asynchronously: " + t);
        assertTrue(t.contains("clear(@pin);") && t.contains("clear(@aio);"), t);
    }

    @Test
    void aggregatedCountsUseTheSameRule() {
        String t = BpftraceScript.generatePins(BIN, 1, 18, notes18(), functions18(), READ_PATH, EXPORTED, 8192,
                EventOutput.aggregate(100)).text();
        assertTrue(t.contains("@a0[$k1, $k2, $k3] = count();"), t);
        assertFalse(t.contains("printf(\"A "), "no line per access: " + t);
    }

    @Test
    void sitesThatCannotBeToldApartAreRefusedNotMisread() {
        NavigableMap<Long, Long> none = new TreeMap<>();
        PgbftraceException e = assertThrows(PgbftraceException.class,
                () -> BpftraceScript.pinSites(BIN, 18, notes18(), none, READ_PATH));
        assertTrue(e.getMessage().contains("buffer__read__start at 0x4fbed0 lies in no function"), e.getMessage());

        List<StapsdtNotes.Note> noHitSite = new ArrayList<>(notes18());
        noHitSite.removeIf(n -> n.pc() == 0x4fc6fc);
        e = assertThrows(PgbftraceException.class, () -> BpftraceScript.pinSites(BIN, 18, noHitSite, functions18(), READ_PATH));
        assertTrue(e.getMessage().contains("fires no buffer__read__done of its own"), e.getMessage());

        List<StapsdtNotes.Note> clash = new ArrayList<>(notes18());
        clash.add(note("buffer__read__done", 0x4fa1d9, "-4@%r8d 4@%r9d 4@(%rax) 4@4(%rax) 4@8(%rax) -4@12(%rax) 1@$0"));
        e = assertThrows(PgbftraceException.class, () -> BpftraceScript.pinSites(BIN, 18, clash, functions18(), READ_PATH));
        assertTrue(e.getMessage().contains("share the low 12 address bits 0x1d9"), e.getMessage());

        e = assertThrows(PgbftraceException.class, () -> BpftraceScript.generatePins(BIN, 1, 18, notes18(),
                functions18(), READ_PATH, Set.of(), 8192, EventOutput.events()));
        assertTrue(e.getMessage().contains("asynchronous kernel reads cannot be traced"), e.getMessage());
    }

    @Test
    void sixteenPinsAndReadsInOneCallWithTheOutcomeAtItsSite() {
        List<StapsdtNotes.Note> n = new ArrayList<>();
        String args = "-4@%r15d 4@%ebx 4@0(%r13) 4@4(%r13) 4@8(%r13) -4@12(%r13)";
        n.add(note("buffer__read__start", 0x44063d, args));
        n.add(note("buffer__read__done", 0x4407b4, args + " 1@$1"));
        n.add(note("buffer__read__done", 0x440ae7, args + " 1@-117(%rbp)"));
        n.add(note("buffer__extend__done", 0x441000, "-4@%edi 4@(%r15) 4@4(%r15) 4@8(%r15) -4@12(%r15) 4@%eax 4@%ecx"));
        n.add(note("smgr__md__read__start", 0x46d21d, "-4@%esi 4@%edx 4@(%rdi) 4@4(%rdi) 4@8(%rdi) -4@12(%rdi)"));
        n.add(note("smgr__md__read__done", 0x46d250,
                "-4@%r14d 4@%r13d 4@(%r12) 4@4(%r12) 4@8(%r12) -4@12(%r12) -4@%eax -4@$8192"));
        // ReadBuffer_common is static in 16: its sites lie in no exported function, and each closes its own pin
        BpftraceScript.Sites sites = BpftraceScript.pinSites(BIN, 16, n, new TreeMap<>(), Set.of());
        assertEquals(Map.of(0x7b4L, "1", 0xae7L, "*(uint8*)(reg(\"bp\") - 117)"), sites.pinDone());
        String t = BpftraceScript.generatePins(BIN, 1, 16, n, new TreeMap<>(), Set.of(), Set.of(), 8192,
                EventOutput.events()).text();
        assertTrue(t.contains("((reg(\"ax\") & 0xffffffff)) / 8192"), "a kernel read's blocks from its bytes: " + t);
    }
}
