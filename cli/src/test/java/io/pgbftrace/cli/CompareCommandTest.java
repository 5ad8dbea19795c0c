package io.pgbftrace.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code pgbftrace compare} on two recorded samples: the same figures as {@code info}, packs, and its errors. */
class CompareCommandTest {
    private static final Path SMALL = SamplesTest.SAMPLES.resolve("seqscan-small").resolve("session");
    private static final Path RING = SamplesTest.SAMPLES.resolve("seqscan-ring").resolve("session");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** Each side's figures are what {@code info --json} says of that session, relation by relation. */
    @Test
    void eachSideEqualsInfoOfItsSessionAndTheChangeIsTheirDifference() throws Exception {
        Cli r = Cli.run("compare", SMALL.toString(), RING.toString(), "--json");
        assertEquals(ExitCodes.OK, r.code(), r.err());
        assertEquals("", r.err(), "JSON alone, nothing else");
        JsonNode doc = JSON.readTree(r.out());
        JsonNode infoA = JSON.readTree(Cli.run("info", SMALL.toString(), "--json").out()).get("relations");
        JsonNode infoB = JSON.readTree(Cli.run("info", RING.toString(), "--json").out()).get("relations");
        int both = 0;
        for (JsonNode rel : doc.get("relations")) {
            String name = rel.get("name").asText();
            JsonNode a = row(infoA, name);
            JsonNode b = row(infoB, name);
            for (String f : new String[]{"accesses", "hits", "misses", "extends", "kernelReads", "writes",
                    "distinctBlocks"}) {
                long va = a == null ? 0 : a.get(f).asLong();
                long vb = b == null ? 0 : b.get(f).asLong();
                assertEquals(a == null, rel.get("a").isNull(), name);
                if (a != null) {
                    assertEquals(va, rel.get("a").get(f).asLong(), name + " " + f + " in A");
                }
                if (b != null) {
                    assertEquals(vb, rel.get("b").get(f).asLong(), name + " " + f + " in B");
                }
                assertEquals(vb - va, rel.get("change").get(f).asLong(), name + " change of " + f);
            }
            both += a != null && b != null ? 1 : 0;
        }
        assertEquals(infoA.size() + infoB.size() - both, doc.get("relations").size(), "every relation of either");
        assertTrue(row(infoB, "public.big").get("misses").asLong() > 1000, "the ring sample misses its big table");
    }

    private static JsonNode row(JsonNode rows, String name) {
        for (JsonNode x : rows) {
            if (x.get("qualifiedName").asText().equals(name)) {
                return x;
            }
        }
        return null;
    }

    @Test
    void writesOneHtmlFileAndOpensPacks() throws Exception {
        Path pack = tmp.resolve("small.pgbftrace.zip");
        assertEquals(ExitCodes.OK, Cli.run("pack", SMALL.toString(), "-o", pack.toString()).code());
        Path out = tmp.resolve("cmp.html");
        Cli r = Cli.run("compare", pack.toString(), RING.toString(), "-o", out.toString());
        assertEquals(ExitCodes.OK, r.code(), r.err());
        assertTrue(r.out().startsWith("wrote " + out + " ("), r.out());
        String html = Files.readString(out);
        assertTrue(html.contains(pack.toString()), "A is named as the user named it");
        assertTrue(html.contains("public.big") && html.contains("public.small"));
        assertFalse(html.contains("src=\"http") || html.contains("href=\"http"), "fetches nothing");
        JsonNode doc = JSON.readTree(Cli.run("compare", pack.toString(), RING.toString(), "--json").out());
        assertEquals(pack.toString(), doc.at("/a/session").asText());
    }

    @Test
    void badInputsAreOneLineWithTheirExitCodes() throws Exception {
        Cli r = Cli.run("compare", SMALL.toString());
        assertEquals(ExitCodes.USAGE, r.code());
        assertEquals("pgbftrace compare: Missing required parameter: 'B'\n", r.firstErr());
        Path notASession = Files.createDirectories(tmp.resolve("empty"));
        r = Cli.run("compare", SMALL.toString(), notASession.toString(), "--json");
        assertEquals(ExitCodes.FAILED, r.code(), r.err());
        assertTrue(r.oneLineError() && r.err().contains(notASession.toString()), r.err());
        r = Cli.run("compare", SMALL.toString(), RING.toString(), "--relations", "public.[", "--json");
        assertEquals(ExitCodes.USAGE, r.code(), r.err());
        assertTrue(r.oneLineError(), r.err());
        r = Cli.run("compare", SMALL.toString(), RING.toString(), "-o", RING.resolve("session.json").toString());
        assertEquals(ExitCodes.USAGE, r.code(), r.err());
        assertTrue(r.oneLineError() && r.err().contains("session"), r.err());
    }
}
