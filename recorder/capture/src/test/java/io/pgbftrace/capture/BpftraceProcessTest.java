package io.pgbftrace.capture;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The real bpftrace, refusing a script: what the user is told. */
class BpftraceProcessTest {
    private static final Path BPFTRACE = Path.of("/usr/bin/bpftrace");

    @TempDir
    Path tmp;

    @Test
    void aProgramTheKernelRefusesIsToldAsBpftracesErrorNotAsASignal() throws Exception {
        boolean can = Files.isExecutable(BPFTRACE) && "root".equals(System.getProperty("user.name"));
        if (!can && "true".equals(System.getenv("CI"))) {
            fail("bpftrace (as root) is needed: apt-get install bpftrace");
        }
        Assumptions.assumeTrue(can, "bpftrace as root");
        // too long for the verifier: bpftrace exits with 255, which is not 128 + a signal
        Path script = Files.writeString(tmp.resolve("refused.bt"), "BEGIN { $i = 0; $p = 0;"
                + " while ($i < 1000000) { if (nsecs % 3 == 0) { $p = $p + 1; } $i = $i + 1; }"
                + " printf(\"%d\\n\", $p); exit(); }\n");
        List<String> said = new ArrayList<>();
        BpftraceProcess p = BpftraceProcess.start(BPFTRACE, script, 64, 0, Map.of("PATH", "/usr/bin:/bin"),
                said::add);
        p.stdout().readAllBytes();
        String problem = p.problem();
        assertTrue(problem.startsWith("ERROR: Error loading program: BEGIN"), problem);
        assertTrue(problem.endsWith("(exit code 255)"), problem);
        assertEquals(List.of(), said);
    }
}
