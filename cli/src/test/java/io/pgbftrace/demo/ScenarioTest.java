package io.pgbftrace.demo;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ScenarioTest {
    @Test
    void parsesHeaderSettingsSectionsAndSleeps() {
        Scenario s = Scenario.parse("ring", """
                -- title: Large sequential scan
                -- description: Read through a ring;
                -- description: misses keep coming.
                -- look for: two diagonals,
                -- look for: both red.
                -- set shared_buffers = 32MB
                -- set work_mem = 4MB
                -- requires: PostgreSQL 16
                -- cold: false

                -- @setup
                CREATE TABLE big (a int,
                                  b text);
                INSERT INTO big SELECT g, 'x' FROM generate_series(1, 10) g;
                -- @record
                -- a comment about the scan
                SELECT count(*) FROM big;
                -- @sleep 500ms
                SELECT 'a;b' AS "x;y";
                """);
        assertEquals("Large sequential scan", s.title());
        assertEquals("Read through a ring; misses keep coming.", s.description());
        assertEquals("two diagonals, both red.", s.lookFor());
        assertEquals("32MB", s.settings().get("shared_buffers"));
        assertEquals("4MB", s.settings().get("work_mem"));
        assertEquals("off", s.settings().get("autovacuum"), "defaults stay");
        assertFalse(s.cold());
        assertEquals(16, s.requiresMajor());
        assertEquals(List.of("CREATE TABLE big (a int,\n                  b text)",
                "INSERT INTO big SELECT g, 'x' FROM generate_series(1, 10) g"), s.setup().stream().map(Scenario.Step::sql).toList());
        assertEquals(3, s.record().size());
        assertEquals(Duration.ofMillis(500), s.record().get(1).sleep());
        assertEquals(17, s.record().get(0).line());
    }

    @Test
    void mistakesNameTheLine() {
        assertEquals("x: missing '-- title: ...' line", assertThrows(Scenario.FormatException.class,
                () -> Scenario.parse("x", "-- @record\nSELECT 1;\n")).getMessage());
        assertEquals("x line 2: SQL before any -- @setup or -- @record", assertThrows(Scenario.FormatException.class,
                () -> Scenario.parse("x", "-- title: t\nSELECT 1;\n")).getMessage());
        assertEquals("x line 3: statement does not end with ';'", assertThrows(Scenario.FormatException.class,
                () -> Scenario.parse("x", "-- title: t\n-- @record\nSELECT 1\n")).getMessage());
        assertEquals("x line 3: unknown directive -- @pause 1s", assertThrows(Scenario.FormatException.class,
                () -> Scenario.parse("x", "-- title: t\n-- @record\n-- @pause 1s\nSELECT 1;\n")).getMessage());
        assertEquals("x line 2: requires must read 'PostgreSQL N' (the oldest major version the scenario runs on)",
                assertThrows(Scenario.FormatException.class,
                        () -> Scenario.parse("x", "-- title: t\n-- requires: 18\n-- @record\nSELECT 1;\n")).getMessage());
        assertEquals("x: no SQL under '-- @record'", assertThrows(Scenario.FormatException.class,
                () -> Scenario.parse("x", "-- title: t\n-- @setup\nSELECT 1;\n")).getMessage());
        assertEquals("scenario name 'Bad Name' must be lowercase letters, digits and '-'",
                assertThrows(Scenario.FormatException.class, () -> Scenario.parse("Bad Name", "")).getMessage());
    }
}
