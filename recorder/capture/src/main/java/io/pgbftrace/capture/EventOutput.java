package io.pgbftrace.capture;

import java.util.Locale;

/**
 * How a capture script hands out buffer events (accesses, extensions, kernel reads; writes are always a line each):
 * one line each, as counts kept in BPF maps and drained once a slice, or either one, switched on the event rate. Per-event output
 * costs about as much again as the probes themselves; counts in maps cost a hash update.
 *
 * <p>Aggregated counts go to one of {@link #SLOTS} map sets, the current one named by {@code @cur}. A slice's tick
 * makes the next set current and prints and clears the one retired a slice earlier: bpftrace prints and clears maps
 * later, in its own process, so the set printed has had no writer for a whole slice, and gets its first again four
 * slices after (bpftrace may fall that far behind on a loaded machine). {@code @t[slot]} counts every event put in a slot, never cleared: the parser compares what it read
 * with it, so a count the kernel could not store (a full map) or a clear that came late is reported as lost, never
 * silently missing. docs/session-format.md lists the lines.
 */
public final class EventOutput {
    /** How events leave the kernel. */
    public enum Mode {
        /** A line per event: exact order and time. */
        EVENTS,
        /** Counts per slice: exact counts, no order or time inside a slice, no statements. */
        AGGREGATE,
        /** Per-event while the rate is low, aggregated while it is high. */
        AUTO
    }

    /** What an event is; its code is part of an aggregated key. */
    enum Kind {
        ACCESS('A', 0), EXTEND('E', 1), READ('K', 2), WRITE('W', 3);

        final char letter;
        final int code;

        Kind(char letter, int code) {
            this.letter = letter;
            this.code = code;
        }
    }

    static final int SLOTS = 6;
    /** Auto mode counts one event in this many (a power of two) to estimate the rate. */
    private static final int RATE_SAMPLE = 16;
    /**
     * How long auto mode's rate must stay above (or below) its threshold before it switches: a cold scan of a few
     * thousand blocks is one busy slice and keeps its order; bpftrace's buffers hold this much at full speed.
     */
    static final long SUSTAIN_MS = 1000;
    /**
     * The slot a tick drains: retired a slice ago, current again {@code SLOTS - 2} slices later, which is how far
     * bpftrace's printing and clearing may fall behind before counts are lost (and reported).
     */
    private static final String RETIRED = "($c + " + (SLOTS - 1) + ") % " + SLOTS;
    /** Distinct (backend, file, fork, block, outcome, run) keys a slice can hold; bpftrace's default is 4096. */
    public static final int MAP_KEYS = 65536;

    private final Mode mode;
    private final long sliceMs;
    private final long upPerSlice;
    private final long downPerSlice;
    /** Slices in a row the rate must stay past a threshold before auto mode switches. */
    private final long sustainSlices;
    /** CPUs the kernel may run probes on: each counts the events it saw under its own key. */
    private final int cpus = possibleCpus();

    private EventOutput(Mode mode, long sliceMs, long upPerSecond, long downPerSecond) {
        this.mode = mode;
        this.sliceMs = sliceMs;
        this.upPerSlice = Math.max(1, upPerSecond * sliceMs / 1000);
        this.downPerSlice = Math.max(0, downPerSecond * sliceMs / 1000);
        this.sustainSlices = sliceMs == 0 ? 0 : Math.max(1, (SUSTAIN_MS + sliceMs - 1) / sliceMs);
    }

    /** The kernel's possible CPUs (ids 0 to n-1), from /sys; the JVM's count where that cannot be read. */
    static int possibleCpus() {
        try {
            String range = java.nio.file.Files.readString(java.nio.file.Path.of("/sys/devices/system/cpu/possible"))
                    .trim();
            String last = range.substring(Math.max(range.lastIndexOf('-'), range.lastIndexOf(',')) + 1);
            return Integer.parseInt(last) + 1;
        } catch (java.io.IOException | RuntimeException e) {
            return Runtime.getRuntime().availableProcessors();
        }
    }

    public static EventOutput events() {
        return new EventOutput(Mode.EVENTS, 0, 0, 0);
    }

    public static EventOutput aggregate(long sliceMs) {
        return new EventOutput(Mode.AGGREGATE, sliceMs, 0, 0);
    }

    /**
     * @param upPerSecond   above this many events a second for {@link #SUSTAIN_MS} (at least a slice), counts are
     *                      aggregated from the next slice
     * @param downPerSecond below it as long, events are printed one by one again
     */
    public static EventOutput auto(long sliceMs, long upPerSecond, long downPerSecond) {
        return new EventOutput(Mode.AUTO, sliceMs, upPerSecond, downPerSecond);
    }

    public Mode mode() {
        return mode;
    }

    public long sliceMs() {
        return sliceMs;
    }

    /** Whether events may go to maps (and bpftrace needs room for {@link #MAP_KEYS} keys). */
    public boolean aggregates() {
        return mode != Mode.EVENTS;
    }

    /** Whether statements are marked: not while aggregating, where a line per statement costs what events do. */
    public boolean marksStatements() {
        return mode != Mode.AGGREGATE;
    }

    /**
     * The statements that hand out one event of {@code kind}.
     *
     * @param file  "db, spc, relfilenode" expressions
     * @param value ACCESS: outcome (0 hit, 1 miss, 2 extend); READ: latency in ns; else null
     * @param count consecutive blocks from {@code block} (a run), or null for one; printed only when not null
     */
    String emit(String indent, Kind kind, String time, String pid, String file, String fork, String block,
                String backend, String value, String count) {
        String line = printf(kind, time, pid, file, fork, block, backend, value, count);
        if (mode == Mode.EVENTS || kind == Kind.WRITE) {
            // writes stay a line each: a checkpoint's figure is the checkpointer's writes between its start and end
            // marks, and a count drained a slice later would fall after its end (they are rare beside accesses)
            return indent + line + "\n";
        }
        String n = count == null ? "1" : count;
        String[] f = file.split(", ");
        if (f.length != 3) {
            throw new IllegalArgumentException("not three file expressions: " + file);
        }
        StringBuilder s = new StringBuilder();
        s.append(indent).append("$k1 = ((uint64)(").append(pid).append(") << 32) | (uint64)(").append(f[2])
                .append(");\n");
        s.append(indent).append("$k2 = ((uint64)(").append(f[0]).append(") << 32) | (uint64)(").append(f[1])
                .append(");\n");
        s.append(indent).append("$k3 = (((uint64)(").append(block).append(") & 0xffffffff) << 32) | (((uint64)(")
                .append(n).append(") & 0xffffff) << 8) | ").append(kind.code << 5).append(" | (((uint64)(")
                .append(fork).append(") & 3) << 3) | (((uint64)(").append(kind == Kind.ACCESS ? value : "0")
                .append(") & 3) << 1) | ((int32)(").append(backend).append(") == -1 ? 0 : 1);\n");
        String counted = indent + "  @a%d[$k1, $k2, $k3] = count();\n"
                + (kind == Kind.READ ? indent + "  @l%d[$k1, $k2, $k3] = sum(" + value + ");\n" : "")
                + indent + "  @t[%d] = sum(" + n + ");\n";
        for (int slot = 0; slot < SLOTS; slot++) {
            s.append(indent).append(slot == 0 ? "" : "} else ").append(slot < SLOTS - 1 ? "if (@cur == " + slot
                    + ") " : "").append("{\n").append(String.format(Locale.ROOT, counted, slot, slot, slot));
        }
        s.append(indent).append("}\n");
        if (mode == Mode.AGGREGATE) {
            return s.toString();
        }
        String inner = s.toString().replaceAll("(?m)^", "  ");
        // the rate is sampled (one event in 16, by the clock's low bits): a counter updated on every event costs
        // a third of what aggregating saves
        return indent + "if ((nsecs & " + (RATE_SAMPLE - 1) + ") == 0) {\n" + indent + "  @n[cpu] = @n[cpu] + "
                + RATE_SAMPLE + " * (" + n + ");\n" + indent + "}\n" + indent + "if (@agg) {\n" + inner + indent
                + "} else {\n"
                + indent + "  " + line + "\n" + indent + "}\n";
    }

    /** The per-event line; the protocol's field order (E puts its count before the backend). */
    private static String printf(Kind kind, String time, String pid, String file, String fork, String block,
                                 String backend, String value, String count) {
        return switch (kind) {
            case ACCESS -> "printf(\"A %llu %d %u %u %u %d %u %d %d" + (count == null ? "" : " %d") + "\\n\", "
                    + time + ", " + pid + ", " + file + ", " + fork + ", " + block + ", " + backend + ", " + value
                    + (count == null ? "" : ", " + count) + ");";
            case EXTEND -> "printf(\"E %llu %d %u %u %u %d %u %d %d\\n\", " + time + ", " + pid + ", " + file + ", "
                    + fork + ", " + block + ", " + (count == null ? "1" : count) + ", " + backend + ");";
            case READ -> "printf(\"K %llu %d %u %u %u %d %u %d %llu" + (count == null ? "" : " %u") + "\\n\", "
                    + time + ", " + pid + ", " + file + ", " + fork + ", " + block + ", " + backend + ", " + value
                    + (count == null ? "" : ", " + count) + ");";
            case WRITE -> "printf(\"W %llu %d %u %u %u %d %u\\n\", " + time + ", " + pid + ", " + file + ", " + fork
                    + ", " + block + ");";
        };
    }

    /** What BEGIN sets: the current slot, and in auto mode the rate and the mode (per-event first). */
    String begin() {
        return switch (mode) {
            case EVENTS -> "";
            case AGGREGATE -> " @cur = 0;";
            case AUTO -> " @cur = 0; @agg = 0; @seen = 0; @above = 0; @below = 0;";
        };
    }

    /** Wraps the statements that mark a statement (auto: not while aggregating). */
    String whenPerEvent(String code, String indent) {
        if (mode != Mode.AUTO) {
            return code;
        }
        return indent + "if (!@agg) {\n" + code.replaceAll("(?m)^", "  ") + indent + "}\n";
    }

    /** The slice's tick: drains the slot retired a slice ago, makes the next current; auto: switches the mode. */
    String slice() {
        if (mode == Mode.EVENTS) {
            return "";
        }
        StringBuilder s = new StringBuilder("interval:ms:" + sliceMs + "\n{\n  $now = nsecs;\n  $c = @cur;\n")
                .append("  printf(\"S %llu %d %d\\n\", $now, ($c + 1) % ").append(SLOTS).append(", ").append(RETIRED)
                .append(");\n").append(drain(RETIRED, "  "))
                .append("  @cur = ($c + 1) % ").append(SLOTS).append(";\n");
        if (mode == Mode.AUTO) {
            // the events of the slice, summed over the CPUs' own counters (one shared counter would bounce
            // between them on every event)
            s.append("  $all = (uint64)0;\n");
            for (int cpu = 0; cpu < cpus; cpu++) {
                s.append("  $all = $all + @n[").append(cpu).append("];\n");
            }
            // slices in a row above and below the thresholds: one busy slice (a cold scan) does not switch
            s.append("  $r = $all - @seen;\n  @seen = $all;\n")
                    .append("  @above = $r > ").append(upPerSlice).append(" ? @above + 1 : 0;\n")
                    .append("  @below = $r < ").append(downPerSlice).append(" ? @below + 1 : 0;\n")
                    .append("  if (!@agg && @above >= ").append(sustainSlices).append(") {\n    @agg = 1;\n")
                    .append("    printf(\"M %llu 1\\n\", $now);\n")
                    .append("  } else if (@agg && @below >= ").append(sustainSlices).append(") {\n    @agg = 0;\n")
                    .append("    printf(\"M %llu 0\\n\", $now);\n  }\n");
        }
        return s.append("}\n\n").toString();
    }

    /** What END does first: drains the slot retired last and the current one (the recording's last slices). */
    String end() {
        if (mode == Mode.EVENTS) {
            return "";
        }
        String s = "  $now = nsecs;\n  $c = @cur;\n"
                + "  printf(\"S %llu -1 %d\\n\", $now, " + RETIRED + ");\n" + drain(RETIRED, "  ")
                + "  printf(\"S %llu -1 %d\\n\", $now, $c);\n" + drain("$c", "  ")
                + "  clear(@t);\n  clear(@cur);\n";
        return mode == Mode.AUTO ? s + "  clear(@agg);\n  clear(@n);\n  clear(@seen);\n  clear(@above);\n"
                + "  clear(@below);\n" : s;
    }

    private static String drain(String slot, String indent) {
        StringBuilder s = new StringBuilder(indent + "$d = " + slot + ";\n");
        for (int i = 0; i < SLOTS; i++) {
            s.append(indent).append(i == 0 ? "" : "} else ").append(i < SLOTS - 1 ? "if ($d == " + i + ") " : "")
                    .append("{\n").append(indent).append("  print(@a").append(i).append(");\n")
                    .append(indent).append("  clear(@a").append(i).append(");\n")
                    .append(indent).append("  print(@l").append(i).append(");\n")
                    .append(indent).append("  clear(@l").append(i).append(");\n");
        }
        return s.append(indent).append("}\n").append(indent).append("print(@t);\n").append(indent)
                .append("printf(\"s\\n\");\n").toString();
    }
}
