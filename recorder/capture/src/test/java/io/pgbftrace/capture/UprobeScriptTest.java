package io.pgbftrace.capture;

import io.pgbftrace.session.PgbftraceException;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UprobeScriptTest {
    private static final Set<String> PG16 = Set.of("ReadBufferExtended", "ReadBuffer_common", "mdread", "mdextend",
            "mdzeroextend", "ExtendBufferedRelBy", "ExtendBufferedRelTo", "FlushBuffer.isra.11", "mdwrite",
            "CreateCheckPoint", "exec_simple_query", "AbortCurrentTransaction", "make_new_heap", "finish_heap_swap");

    @Test
    void postgres16IsTracedThroughItsBufferManagerFunctions() {
        UprobeScript.Script s = UprobeScript.generate("/pg/bin/postgres", 42, 160013, PG16);
        String t = s.text();
        assertTrue(t.contains("uprobe:/pg/bin/postgres:ReadBuffer_common\n/ curtask->real_parent->tgid == 42 /"), t);
        assertTrue(t.contains("@hitp[tid] = *(uint64 *)(reg(\"sp\") + 8);"), "the 7th argument is on the stack");
        assertTrue(t.contains("uprobe:/pg/bin/postgres:\"FlushBuffer.isra.11\""), "a clone's name is quoted");
        assertTrue(t.contains("uprobe:/pg/bin/postgres:mdzeroextend\n"), t);
        assertTrue(t.contains("uprobe:/pg/bin/postgres:make_new_heap\n"), "rewrites as with USDT");
        assertEquals(List.of("AbortCurrentTransaction", "CreateCheckPoint", "ExtendBufferedRelBy",
                "ExtendBufferedRelTo", "FlushBuffer.isra.11", "ReadBufferExtended", "ReadBuffer_common",
                "exec_simple_query", "finish_heap_swap", "make_new_heap", "mdextend", "mdread", "mdwrite",
                "mdzeroextend"), s.functions());
    }

    @Test
    void extendedProtocolStatementsAreMarkedAtTheOutermostPortalRunWhenTheBinaryLocatesItsQueryText() {
        Set<String> functions = new HashSet<>(PG16);
        functions.add("PortalRun");
        UprobeScript.Script plain = UprobeScript.generate("/pg/bin/postgres", 42, 160013, functions);
        assertFalse(plain.text().contains("PortalRun"), "no address of debug_query_string: " + plain.text());
        assertTrue(plain.notes().contains("statements are marked for the simple protocol only"), plain.notes()
                .toString());

        UprobeScript.Script s = UprobeScript.generate("/pg/bin/postgres", 42, 160013, functions,
                Map.of("PortalRun", 0x350000L, "debug_query_string", 0x8cb790L));
        String t = s.text();
        // the global lies at ip + (its address - PortalRun's) at the function's entry, wherever it was loaded
        assertTrue(t.contains("str(*(uint64*)(reg(\"ip\") + " + (0x8cb790L - 0x350000L) + "))"), t);
        assertTrue(t.contains("uprobe:/pg/bin/postgres:PortalRun\n/ curtask->real_parent->tgid == 42 /\n{\n"
                + "  @depth[tid] = @depth[tid] + 1;\n  if (!@open[tid]) {\n    @open[tid] = 2;"), t);
        assertTrue(t.contains("clear(@depth)"), t);
        assertTrue(s.functions().contains("PortalRun"));
        assertTrue(s.notes().get(0).startsWith("statements of the extended protocol are marked"), s.notes().toString());
    }

    @Test
    void postgres15NeedsNoExtendBufferedRelAndWritesAreOptional() {
        Set<String> pg15 = new HashSet<>(List.of("ReadBufferExtended", "ReadBuffer_common", "mdread", "mdextend"));
        String t = UprobeScript.generate("/pg/bin/postgres", 42, 150004, pg15).text();
        assertFalse(t.contains("mdzeroextend") || t.contains("ExtendBufferedRel") || t.contains("mdwrite"), t);
        assertTrue(t.contains("uprobe:/pg/bin/postgres:mdextend\n"), t);
    }

    @Test
    void postgres17IsTracedThroughStartReadBuffers() {
        Set<String> pg17 = Set.of("StartReadBuffer", "StartReadBuffers", "ReadBufferExtended", "ZeroAndLockBuffer",
                "mdreadv", "mdextend", "mdzeroextend", "ExtendBufferedRelBy", "ExtendBufferedRelTo",
                "FlushBuffer.isra.15", "mdwritev");
        String t = UprobeScript.generate("/pg/bin/postgres", 42, 170010, pg17).text();
        assertTrue(t.contains("uretprobe:/pg/bin/postgres:StartReadBuffer,\nuretprobe:/pg/bin/postgres:StartReadBuffers"),
                t);
        assertTrue(t.contains("$miss = *(int16 *)($o + 50);"), "misses from the operation's io_buffers_len");
        assertTrue(t.contains("uprobe:/pg/bin/postgres:mdreadv\n") && t.contains("uprobe:/pg/bin/postgres:mdwritev"),
                t);
        assertFalse(t.contains("@extc") || t.contains("ReadBuffer_common"), "no map that nothing sets: " + t);
    }

    @Test
    void postgres18CountsTheBlocksACallPinnedItselfAndItsReadsWhereTheyComplete() {
        Set<String> pg18 = Set.of("StartReadBuffer", "StartReadBuffers", "ReadBufferExtended", "ZeroAndLockBuffer",
                "pgstat_count_io_op", "mdextend", "mdzeroextend", "ExtendBufferedRelBy", "ExtendBufferedRelTo",
                "FlushBuffer.isra.16", "mdwritev", "mdreadv", "mdstartreadv", "pgaio_io_process_completion");
        UprobeScript.Script s = UprobeScript.generate("/pg/bin/postgres", 42, 180004, pg18);
        String t = s.text();
        assertTrue(t.contains("while ($i < $n && $i < 128) {"), "buffers[] is looked at up to PG_IOV_MAX: " + t);
        assertTrue(t.contains("uprobe:/pg/bin/postgres:pgstat_count_io_op\n/ @op[tid] && arg2 == 2 /"), t);
        // the read is issued in one process and may complete in another (an I/O worker): kept under its handle
        assertTrue(t.contains("uprobe:/pg/bin/postgres:mdstartreadv\n/ curtask->real_parent->tgid == 42 /\n{\n"
                + "  @aio[arg0] = (nsecs, pid,"), t);
        assertTrue(t.contains("$io = @aio[arg0];"), t);
        assertFalse(t.contains("mdreadv\n") || t.contains("@np") || t.contains("@rs"), "synchronous reads: " + t);
        assertEquals(List.of(UprobeScript.ASYNC_READ_NOTE), s.notes());
        for (String map : List.of("@op", "@fw", "@bufs", "@hit", "@zrel", "@extb", "@fl", "@aio")) {
            assertTrue(t.contains("clear(" + map + ")"), map);
        }
    }

    @Test
    void whatIsMissingIsNamed() {
        Set<String> stripped = Set.of("ReadBufferExtended", "mdread", "mdextend");
        PgbftraceException e = assertThrows(PgbftraceException.class,
                () -> UprobeScript.generate("/pg/bin/postgres", 42, 150004, stripped));
        assertEquals("uprobe capture needs ReadBuffer_common, which its symbol table does not name (a stripped"
                + " binary keeps only exported functions)", e.getMessage());
        e = assertThrows(PgbftraceException.class, () -> UprobeScript.generate("/pg/bin/postgres", 42, 190000, PG16));
        assertEquals("uprobe capture supports PostgreSQL 13 to 18 so far, not 19", e.getMessage());
    }

    @Test
    void aCloneStandsInForAFunctionOnlyWhenItKeepsItsEntry() {
        assertEquals(Optional.of("FlushBuffer.isra.11"), UprobeScript.clone(Set.of("FlushBuffer.isra.11",
                "FlushBuffer.part.0"), "FlushBuffer"));
        assertEquals(Optional.empty(), UprobeScript.clone(Set.of("FlushBuffer.part.0", "FlushBuffers"),
                "FlushBuffer"));
    }
}
