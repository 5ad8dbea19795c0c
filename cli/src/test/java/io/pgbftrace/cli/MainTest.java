package io.pgbftrace.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MainTest {
    @Test
    void versionAndHelp() {
        Cli v = Cli.run("--version");
        assertEquals(0, v.code());
        assertTrue(v.out().startsWith("pgbftrace 0."), v.out());
        Cli h = Cli.run("--help");
        assertEquals(0, h.code());
        assertTrue(h.out().contains("record") && h.out().contains("import") && h.out().contains("info"));
    }

    @Test
    void everyCommandsHelpEndsWithExamples() {
        for (String cmd : new String[]{"record", "import", "info"}) {
            Cli h = Cli.run(cmd, "--help");
            assertEquals(0, h.code(), cmd);
            String help = h.out().strip();
            int examples = help.lastIndexOf("Examples:");
            assertTrue(examples > 0 && help.substring(examples).contains("pgbftrace " + cmd), cmd + ":\n" + help);
        }
    }

    @Test
    void noCommandOrAnUnknownOneIsAUsageError() {
        Cli none = Cli.run();
        assertEquals(ExitCodes.USAGE, none.code());
        assertTrue(none.err().startsWith("pgbftrace: a command is required"), none.err());
        Cli unknown = Cli.run("recrod");
        assertEquals(ExitCodes.USAGE, unknown.code());
        assertTrue(unknown.err().startsWith("pgbftrace: Unmatched argument at index 0: 'recrod'"), unknown.err());
    }
}
