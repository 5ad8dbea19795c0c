package io.pgbftrace.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgbftrace.session.SessionMetadata;
import io.pgbftrace.session.SessionWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InfoCommandTest {
    @TempDir
    Path tmp;

    @Test
    void aMissingSessionIsOneLineAndExitOne() {
        Cli r = Cli.run("info", tmp.resolve("nope").toString());
        assertEquals(ExitCodes.FAILED, r.code());
        assertEquals("pgbftrace info: " + tmp.resolve("nope") + " does not exist\n", r.firstErr());
    }

    @Test
    void aFolderThatIsNotASessionIsRefused() throws Exception {
        Files.writeString(tmp.resolve("notes.txt"), "hello");
        Cli r = Cli.run("info", tmp.toString());
        assertEquals(ExitCodes.FAILED, r.code());
        assertEquals("pgbftrace info: " + tmp + " is not a session: it has no session.json\n", r.firstErr());
        Files.writeString(tmp.resolve("session.json"), "{\"format\": \"something-else\"}");
        r = Cli.run("info", tmp.toString());
        assertTrue(r.err().contains("has no \"format\": \"pgbftrace-session\""), r.err());
        Files.writeString(tmp.resolve("session.json"), "not json");
        r = Cli.run("info", tmp.toString());
        assertEquals(ExitCodes.FAILED, r.code());
        assertTrue(r.oneLineError() && r.err().contains("is not valid session metadata"), r.err());
    }

    @Test
    void aNewerMajorFormatIsRefusedByVersion() throws Exception {
        Path s = tmp.resolve("future");
        SessionMetadata m = new SessionMetadata();
        try (SessionWriter w = SessionWriter.create(s, m)) {
            w.finish("complete", "test", true);
        }
        String json = Files.readString(s.resolve("session.json")).replace("\"formatVersion\" : \"" + io.pgbftrace.session.SessionFormat.version() + "\"",
                "\"formatVersion\" : \"3.0\"");
        Files.writeString(s.resolve("session.json"), json);
        Cli r = Cli.run("info", s.toString());
        assertEquals(ExitCodes.FAILED, r.code());
        assertEquals("pgbftrace info: unsupported session format 3.0 in " + s
                + ": this pgbftrace reads 2.x and older; use a newer pgbftrace\n", r.err());
    }

    @Test
    void aServerInAContainerIsNamedAsItSawItself() throws Exception {
        Path s = tmp.resolve("container");
        SessionMetadata m = new SessionMetadata();
        m.postgres.version = "18.6 (Debian 18.6-3)";
        m.postgres.postmasterPid = 31337;
        m.postgres.container = new SessionMetadata.Container();
        m.postgres.container.pidNamespace = "pid:[4026532849]";
        m.postgres.container.postmasterPid = 1;
        m.postgres.container.backendPid = 12;
        m.postgres.container.binary = "/usr/lib/postgresql/18/bin/postgres";
        m.postgres.container.root = "/proc/31337/root";
        try (SessionWriter w = SessionWriter.create(s, m)) {
            w.finish("complete", "test", true);
        }
        Cli r = Cli.run("info", s.toString());
        assertEquals(ExitCodes.OK, r.code(), r.err());
        assertTrue(r.out().contains("container   its own PID namespace pid:[4026532849] (postmaster pid 1 inside, 31337"
                + " here), root /proc/31337/root, binary /usr/lib/postgresql/18/bin/postgres inside"), r.out());
        Cli json = Cli.run("info", s.toString(), "--json");
        JsonNode c = new ObjectMapper().readTree(json.out()).get("session").get("postgres").get("container");
        assertEquals(12, c.get("backendPid").asInt());
        assertEquals("pid:[4026532849]", c.get("pidNamespace").asText());
    }

    @Test
    void anEmptySessionSaysSo() throws Exception {
        Path s = tmp.resolve("empty");
        try (SessionWriter w = SessionWriter.create(s, new SessionMetadata())) {
            w.finish("complete", "test", true);
        }
        Cli r = Cli.run("info", s.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("no relation was accessed in this session"), r.out());
        JsonNode j = new ObjectMapper().readTree(Cli.run("info", s.toString(), "--json").out());
        assertEquals(0, j.get("session").get("eventCounts").get("total").asLong());
        assertEquals(0, j.get("relations").size());
    }

    @Test
    void textAndJsonShowTheSameNumbers() throws Exception {
        Path s = tmp.resolve("imported");
        Path capture = Path.of(getClass().getResource("/raw-capture.txt").toURI());
        assertEquals(0, Cli.run("import", capture.toString(), "--out", s.toString(), "--title", "golden").code());
        Cli text = Cli.run("info", s.toString());
        assertEquals(0, text.code());
        assertTrue(text.out().contains("title       golden"), text.out());
        assertTrue(text.out().contains("lost        3"), text.out());
        assertTrue(text.out().lines().anyMatch(l -> l.matches("db 16384\\s+\\?\\s+relfilenode 16390\\s+unknown\\s+3\\s+2\\s+1\\s+0\\s+1\\s+1\\s+3\\s+-")),
                text.out());
        JsonNode j = new ObjectMapper().readTree(Cli.run("info", s.toString(), "--json").out());
        assertEquals(1, j.get("infoVersion").asInt());
        assertEquals(9, j.get("session").get("eventCounts").get("total").asLong());
        JsonNode first = j.get("relations").get(0);
        assertEquals("relfilenode 16384/1663/16390", first.get("qualifiedName").asText());
        assertEquals(3, first.get("accesses").asLong());
        assertEquals(1, first.get("misses").asLong());
    }

    @Test
    void textFromTheSessionCannotDriveTheTerminal() throws Exception {
        Path s = tmp.resolve("esc");
        SessionMetadata m = new SessionMetadata();
        m.title = "evil \u001b]0;pwned\u0007\u001b[2J title";
        try (SessionWriter w = SessionWriter.create(s, m)) {
            w.finish("complete", "test", true);
        }
        Cli r = Cli.run("info", s.toString());
        assertEquals(0, r.code(), r.err());
        assertFalse(r.out().contains("\u001b") || r.out().contains("\u0007"), r.out());
        assertTrue(r.out().contains("evil ?]0;pwned??[2J title"), r.out());
    }

    /** eventCounts.total of an info --json document (0 when there is none). */
    static long totalEvents(String json) throws java.io.IOException {
        if (json.isBlank()) {
            return 0;
        }
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(json).path("session").path("eventCounts")
                .path("total").asLong();
    }
}
