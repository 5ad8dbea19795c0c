package io.pgbftrace.demo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A teaching scenario: what it shows, the server settings it needs, SQL to prepare (not recorded) and SQL to
 * record. The file format is in docs/scenarios.md:
 * <pre>
 * -- title: Large sequential scan: the ring buffer
 * -- description: A table larger than shared_buffers / 4 is read through a 256 kB ring.
 * -- look for: Two diagonals: the first pass misses, the second misses again.
 * -- set shared_buffers = 16MB
 * -- requires: PostgreSQL 18
 * -- cold: true
 * -- @setup
 * CREATE TABLE big (...);
 * -- @record
 * SELECT count(*) FROM big;
 * -- @sleep 500ms
 * </pre>
 */
public record Scenario(String name, String title, String description, String lookFor, Map<String, String> settings,
                       int requiresMajor, boolean cold, List<Step> setup, List<Step> record) {

    /** A statement, or a pause. */
    public record Step(String sql, Duration sleep, int line) {
        public boolean isSleep() {
            return sleep != null;
        }
    }

    /** Settings every demo cluster gets unless the scenario says otherwise. */
    static final Map<String, String> DEFAULTS = Map.of("shared_buffers", "16MB", "autovacuum", "off",
            "track_io_timing", "on", "fsync", "off");

    private static final Pattern HEADER = Pattern.compile("--\\s*(title|description|look for|requires|cold):\\s*(.*)");
    private static final Pattern SET = Pattern.compile("--\\s*set\\s+([a-z_.]+)\\s*=\\s*(.+)");
    private static final Pattern SECTION = Pattern.compile("--\\s*@(setup|record)\\s*");
    private static final Pattern SLEEP = Pattern.compile("--\\s*@sleep\\s+(\\d+)(ms|s)\\s*");
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]*");
    private static final Pattern REQUIRES = Pattern.compile("PostgreSQL\\s+(\\d{1,2})");

    /** Thrown for a scenario file that does not follow the format; the message names the line. */
    public static final class FormatException extends RuntimeException {
        FormatException(String message) {
            super(message);
        }
    }

    public static Scenario parse(String name, String text) {
        if (!NAME.matcher(name).matches()) {
            throw new FormatException("scenario name '" + name + "' must be lowercase letters, digits and '-'");
        }
        String title = null;
        String description = null;
        String lookFor = null;
        boolean cold = true;
        int requiresMajor = 0;
        Map<String, String> settings = new LinkedHashMap<>(DEFAULTS);
        List<Step> setup = new ArrayList<>();
        List<Step> record = new ArrayList<>();
        List<Step> current = null;
        StringBuilder statement = new StringBuilder();
        int statementLine = 0;
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            String t = line.trim();
            int n = i + 1;
            Matcher m;
            if (statement.isEmpty() && (m = HEADER.matcher(t)).matches()) {
                switch (m.group(1)) {
                    case "title" -> title = m.group(2).trim();
                    case "description" -> description = description == null ? m.group(2).trim()
                            : description + " " + m.group(2).trim();
                    case "look for" -> lookFor = lookFor == null ? m.group(2).trim() : lookFor + " " + m.group(2).trim();
                    case "requires" -> {
                        Matcher r = REQUIRES.matcher(m.group(2).trim());
                        if (!r.matches()) {
                            throw new FormatException(name + " line " + n + ": requires must read 'PostgreSQL N'"
                                    + " (the oldest major version the scenario runs on)");
                        }
                        requiresMajor = Integer.parseInt(r.group(1));
                    }
                    default -> {
                        String v = m.group(2).trim().toLowerCase(Locale.ROOT);
                        if (!v.equals("true") && !v.equals("false")) {
                            throw new FormatException(name + " line " + n + ": cold must be true or false");
                        }
                        cold = v.equals("true");
                    }
                }
            } else if (statement.isEmpty() && (m = SET.matcher(t)).matches()) {
                settings.put(m.group(1), m.group(2).trim());
            } else if (statement.isEmpty() && (m = SECTION.matcher(t)).matches()) {
                current = m.group(1).equals("setup") ? setup : record;
            } else if (statement.isEmpty() && (m = SLEEP.matcher(t)).matches()) {
                if (current == null) {
                    throw new FormatException(name + " line " + n + ": @sleep before any -- @setup or -- @record");
                }
                long v = Long.parseLong(m.group(1));
                current.add(new Step(null, m.group(2).equals("ms") ? Duration.ofMillis(v) : Duration.ofSeconds(v), n));
            } else if (t.startsWith("-- @") && statement.isEmpty()) {
                throw new FormatException(name + " line " + n + ": unknown directive " + t);
            } else if (t.isEmpty() || (t.startsWith("--") && statement.isEmpty())) {
                continue; // comments between statements
            } else {
                if (current == null) {
                    throw new FormatException(name + " line " + n + ": SQL before any -- @setup or -- @record");
                }
                if (statement.isEmpty()) {
                    statementLine = n;
                }
                statement.append(line).append('\n');
                if (t.endsWith(";")) {
                    String sql = statement.toString().trim();
                    current.add(new Step(sql.substring(0, sql.length() - 1).trim(), null, statementLine));
                    statement.setLength(0);
                }
            }
        }
        if (!statement.isEmpty()) {
            throw new FormatException(name + " line " + statementLine + ": statement does not end with ';'");
        }
        if (title == null) {
            throw new FormatException(name + ": missing '-- title: ...' line");
        }
        if (record.stream().noneMatch(s -> !s.isSleep())) {
            throw new FormatException(name + ": no SQL under '-- @record'");
        }
        return new Scenario(name, title, description, lookFor, settings, requiresMajor, cold, setup, record);
    }
}
