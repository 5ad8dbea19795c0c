package io.pgbftrace.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImportCommandTest {
    @TempDir
    Path tmp;

    Path capture() throws Exception {
        return Path.of(getClass().getResource("/raw-capture.txt").toURI());
    }

    @Test
    void importsAndReportsTheBadLinesWithTheirNumbers() throws Exception {
        Cli r = Cli.run("import", capture().toString(), "--out", tmp.resolve("s").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("imported 9 events and 0 relations into "), r.out());
        assertTrue(r.err().contains("skipped 2 bad line(s)"), r.err());
        assertTrue(r.err().contains("line 10: not a pgbftrace capture line: this line is garbage"), r.err());
    }

    @Test
    void aMissingFileOrABadFormatIsAUsageError() throws Exception {
        Cli r = Cli.run("import", tmp.resolve("none.txt").toString(), "--out", tmp.resolve("s").toString());
        assertEquals(ExitCodes.USAGE, r.code());
        assertEquals("pgbftrace import: input file " + tmp.resolve("none.txt") + " does not exist or is not a file\n",
                r.firstErr());
        r = Cli.run("import", capture().toString(), "--out", tmp.resolve("s").toString(), "--format", "csv");
        assertEquals(ExitCodes.USAGE, r.code());
        assertEquals("pgbftrace import: --format must be raw or pgbftrace, not csv\n", r.firstErr());
        r = Cli.run("import", capture().toString(), "--out", tmp.resolve("s").toString(), "--catalog", "nope.json");
        assertEquals(ExitCodes.USAGE, r.code());
        assertTrue(r.oneLineError() && r.err().contains("--catalog nope.json does not exist"), r.err());
        r = Cli.run("import", capture().toString());
        assertEquals(ExitCodes.USAGE, r.code());
        assertTrue(r.err().startsWith("pgbftrace import: Missing required option: '--out=DIR'"), r.err());
        assertFalse(Files.exists(tmp.resolve("s")), "nothing was created by a refused import");
    }

    @Test
    void anExistingSessionIsKeptUnlessForced() throws Exception {
        Path s = tmp.resolve("s");
        assertEquals(0, Cli.run("import", capture().toString(), "--out", s.toString()).code());
        byte[] before = Files.readAllBytes(s.resolve("session.json"));
        Cli again = Cli.run("import", capture().toString(), "--out", s.toString());
        assertEquals(ExitCodes.USAGE, again.code());
        assertEquals("pgbftrace import: --out " + s + " exists and is not empty; choose another folder or add --force"
                + " to replace the session in it\n", again.firstErr());
        assertEquals(new String(before), Files.readString(s.resolve("session.json")));
        assertEquals(0, Cli.run("import", capture().toString(), "--out", s.toString(), "--force").code());
    }

    @Test
    void aCatalogFromAnotherSessionNamesTheRelations() throws Exception {
        Path catalog = tmp.resolve("catalog.json");
        Files.writeString(catalog, """
                [{"db": 16384, "database": "shop", "spc": 1663, "relfilenode": 16390, "oid": 16390,
                  "schema": "public", "name": "orders", "kind": "table", "persistence": "permanent",
                  "sizeBlocks": 3, "system": false, "mapped": false, "seenAtNs": 0, "source": "file"}]
                """);
        Path s = tmp.resolve("named");
        assertEquals(0, Cli.run("import", capture().toString(), "--out", s.toString(), "--catalog",
                catalog.toString()).code());
        Cli info = Cli.run("info", s.toString());
        assertTrue(info.out().lines().anyMatch(l -> l.startsWith("shop      public  orders")), info.out());
        Path s2 = tmp.resolve("named2");
        assertEquals(0, Cli.run("import", capture().toString(), "--out", s2.toString(), "--catalog",
                s.toString()).code());
        assertTrue(Cli.run("info", s2.toString()).out().contains("orders"));
    }
}
