package io.pgbftrace.capture;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ProbeArgumentTest {
    private static String expr(String spec) {
        return ProbeArgument.parse(spec).map(ProbeArgument::expression).orElse("unreadable");
    }

    @Test
    void constantsRegistersAndStackSlotsBecomeBpftraceExpressions() {
        assertEquals("1", expr("1@$1"));
        assertEquals("-4", expr("-4@$-4"));
        assertEquals("*(uint8*)(reg(\"bp\") - 117)", expr("1@-117(%rbp)"));
        assertEquals("*(int32*)(reg(\"r13\") + 12)", expr("-4@12(%r13)"));
        assertEquals("*(uint32*)(reg(\"di\") + 0)", expr("4@(%rdi)"));
        assertEquals("(reg(\"ax\") & 0xff)", expr("1@%al"));
        assertEquals("(reg(\"r14\") & 0xffffffff)", expr("-4@%r14d"));
        assertEquals("reg(\"bx\")", expr("8@%rbx"));
    }

    /** At the probe the instruction pointer is the site's address: the global is a fixed distance from it. */
    @Test
    void globalsAreReadRelativeToTheInstructionPointer() {
        java.util.Map<String, Long> symbols = java.util.Map.of("CheckpointStats", 0x895140L, "NBuffers", 0x884f7cL);
        long site = 0x1f0ad0;
        assertEquals("*(int32*)(reg(\"ip\") + " + (0x895140L + 40 - site) + ")",
                ProbeArgument.parse("-4@40+CheckpointStats(%rip)", site, symbols).orElseThrow().expression());
        assertEquals("*(int32*)(reg(\"ip\") + " + (0x884f7cL - site) + ")",
                ProbeArgument.parse("-4@NBuffers(%rip)", site, symbols).orElseThrow().expression());
        assertEquals(Optional.empty(), ProbeArgument.parse("-4@Unknown(%rip)", site, symbols));
    }

    @Test
    void formsWeCannotReadAreRefusedNotGuessed() {
        assertEquals(Optional.empty(), ProbeArgument.parse("-4@NBuffers(%rip)"));
        assertEquals(Optional.empty(), ProbeArgument.parse("-4@40+CheckpointStats(%rip)"));
        assertEquals(Optional.empty(), ProbeArgument.parse("1@%ah"));
        assertEquals(Optional.empty(), ProbeArgument.parse("3@%rax"));
    }
}
