package io.pgbftrace.capture;

import io.pgbftrace.session.PgbftraceException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BpftraceScriptTest {
    private static final String BIN = "/usr/lib/postgresql/15/bin/postgres";

    static StapsdtNotes.Note note(String name, long pc, String args) {
        return new StapsdtNotes.Note("postgresql", name, pc, 0, args.isEmpty() ? List.of() : List.of(args.split(" ")));
    }

    static List<StapsdtNotes.Note> pg15(long secondSite) {
        List<StapsdtNotes.Note> n = new ArrayList<>();
        n.add(note("buffer__read__done", 0x4407b4,
                "-4@-136(%rbp) 4@-132(%rbp) 4@0(%r13) 4@4(%r13) 4@8(%r13) -4@12(%r13) 1@$0 1@$1"));
        n.add(note("buffer__read__done", secondSite,
                "-4@-136(%rbp) 4@-132(%rbp) 4@0(%r13) 4@4(%r13) 4@8(%r13) -4@12(%r13) 1@-149(%rbp) 1@-117(%rbp)"));
        n.add(note("buffer__read__start", 0x44063d, "-4@%r15d 4@%ebx 4@0(%r13) 4@4(%r13) 4@8(%r13) -4@12(%r13) 1@%al"));
        n.add(note("smgr__md__read__start", 0x46d21d, "-4@%esi 4@%edx 4@(%rdi) 4@4(%rdi) 4@8(%rdi) -4@12(%rdi)"));
        n.add(note("smgr__md__read__done", 0x46d250, "-4@%r14d 4@%r13d 4@(%r12) 4@4(%r12) 4@8(%r12) -4@12(%r12) -4@%eax -4@$8192"));
        n.add(note("buffer__flush__done", 0x43fbe5, "-4@12(%rbx) 4@16(%rbx) 4@(%r12) 4@4(%r12) 4@8(%r12)"));
        n.add(note("query__start", 0x4722d3, "8@%rbx"));
        return n;
    }

    @Test
    void statementEndsRewritesAndWorkersAreTracedWhereTheBinaryAllows() {
        List<StapsdtNotes.Note> n = new ArrayList<>(pg15(0x440ae7));
        Map<String, Long> globals = Map.of("debug_query_string", 0x89c718L);
        for (String probe : List.of("query__done", "query__parse__start", "transaction__abort",
                "query__execute__done")) {
            n.add(note(probe, 0x472400 + probe.length(), "8@%rbx"));
        }
        n.add(new StapsdtNotes.Note("postgresql", "query__execute__start", 0x480e88, 0, List.of(), globals));
        n.add(new StapsdtNotes.Note("postgresql", "query__execute__start", 0x48111b, 0, List.of(), globals));
        String bare = BpftraceScript.generate(BIN, 1, n, Set.of(), false).text();
        assertTrue(bare.contains("printf(\"q %llu %d\\n\", nsecs, pid);"), bare);
        assertFalse(bare.contains("uprobe:"), "no uprobes where the binary names no functions: " + bare);
        // a prepared statement's text is read from debug_query_string, relative to each site's address
        assertTrue(bare.contains("if ((reg(\"ip\") & 0xfff) == 0xe88) { $text = *(uint64*)(reg(\"ip\") + "
                + (0x89c718L - 0x480e88L) + "); }"), bare);
        String full = BpftraceScript.generate(BIN, 1, n, BpftraceScript.UPROBE_FUNCTIONS, false).text();
        for (String f : List.of("uprobe:" + BIN + ":make_new_heap", "uprobe:" + BIN + ":finish_heap_swap",
                "uprobe:" + BIN + ":InstrStartParallelQuery", "uprobe:" + BIN + ":InstrEndParallelQuery")) {
            assertTrue(full.contains(f), f + " in " + full);
        }
    }

    @Test
    void readsTheOutcomeAtEachSiteFromTheNotes() {
        BpftraceScript.Script s = BpftraceScript.generate(BIN, 4242, pg15(0x440ae7), java.util.Set.of(), false);
        assertEquals(BpftraceScript.METHOD_ARGUMENTS, s.outcomeMethod());
        assertNull(s.fallbackWhy());
        assertTrue(s.text().contains("if ($site == 0x7b4) { $ext = 0; $found = 1; }"), s.text());
        assertTrue(s.text().contains("if ($site == 0xae7) { $ext = *(uint8*)(reg(\"bp\") - 149); "
                + "$found = *(uint8*)(reg(\"bp\") - 117); }"), s.text());
        assertTrue(s.text().contains("/ curtask->real_parent->tgid == 4242 /"));
        assertTrue(s.text().contains("usdt:" + BIN + ":postgresql:buffer__flush__done"));
        assertFalse(s.text().contains("@ext[tid]"));
    }

    @Test
    void sitesThatCannotBeToldApartFallBackToPairing() {
        BpftraceScript.Script s = BpftraceScript.generate(BIN, 1, pg15(0x5557b4), java.util.Set.of(), false);
        assertEquals(BpftraceScript.METHOD_PAIRING, s.outcomeMethod());
        assertEquals("two buffer__read__done sites share the low 12 address bits 0x7b4", s.fallbackWhy());
        assertTrue(s.text().contains("@ext[tid] = arg1 == 0xffffffff;"), s.text());
        assertTrue(s.text().contains("@miss[tid] = 1;"));
    }

    @Test
    void pairingCanBeAskedFor() {
        assertEquals(BpftraceScript.METHOD_PAIRING, BpftraceScript.generate(BIN, 1, pg15(0x440ae7), java.util.Set.of(), true)
                .outcomeMethod());
    }

    @Test
    void aBinaryWithoutTheProbesIsRefusedWithTheReason() {
        PgbftraceException e = assertThrows(PgbftraceException.class,
                () -> BpftraceScript.generate(BIN, 1, List.of(note("query__start", 1, "8@%rbx")), java.util.Set.of(), false));
        assertEquals(BIN + " has no USDT probe postgresql:buffer__read__done; PostgreSQL must be built with"
                + " --enable-dtrace", e.getMessage());
    }
}
