package io.pgbftrace.capture;

import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One argument location of a stapsdt probe site, as in {@code -4@-136(%rbp)}, {@code 1@$1} or {@code 1@%al},
 * and the bpftrace expression that reads it inside the probe. Used for the arguments bpftrace 0.17 cannot
 * name (it stops at arg5).
 */
public record ProbeArgument(String spec, int size, boolean signed, Kind kind, long constant, String register,
                            long offset) {

    /** Where the value lives. */
    public enum Kind { CONSTANT, REGISTER, MEMORY }

    private static final Pattern SPEC = Pattern.compile("(-?)(1|2|4|8)@(.+)");
    private static final Pattern CONST = Pattern.compile("\\$(-?\\d+)");
    private static final Pattern REG = Pattern.compile("%(\\w+)");
    private static final Pattern MEM = Pattern.compile("(-?\\d*)\\(%(\\w+)\\)");
    /** A global variable, addressed relative to the instruction pointer: {@code 40+CheckpointStats(%rip)}. */
    private static final Pattern GLOBAL = Pattern.compile("(?:(-?\\d+)\\+)?([A-Za-z_][\\w.]*)(?:([+-]\\d+))?\\(%rip\\)");

    /** x86-64 register names (any width) to the names bpftrace's reg() takes. */
    private static final Map<String, String> REGISTERS = Map.ofEntries(
            Map.entry("rax", "ax"), Map.entry("eax", "ax"), Map.entry("ax", "ax"), Map.entry("al", "ax"),
            Map.entry("rbx", "bx"), Map.entry("ebx", "bx"), Map.entry("bx", "bx"), Map.entry("bl", "bx"),
            Map.entry("rcx", "cx"), Map.entry("ecx", "cx"), Map.entry("cx", "cx"), Map.entry("cl", "cx"),
            Map.entry("rdx", "dx"), Map.entry("edx", "dx"), Map.entry("dx", "dx"), Map.entry("dl", "dx"),
            Map.entry("rsi", "si"), Map.entry("esi", "si"), Map.entry("si", "si"), Map.entry("sil", "si"),
            Map.entry("rdi", "di"), Map.entry("edi", "di"), Map.entry("di", "di"), Map.entry("dil", "di"),
            Map.entry("rbp", "bp"), Map.entry("ebp", "bp"), Map.entry("bp", "bp"), Map.entry("bpl", "bp"),
            Map.entry("rsp", "sp"), Map.entry("esp", "sp"), Map.entry("sp", "sp"), Map.entry("spl", "sp"));
    private static final Pattern NUMBERED = Pattern.compile("r(8|9|1[0-5])[dwb]?");

    /** Parses a spec; empty when its form is one this tool does not read (e.g. {@code sym(%rip)}). */
    public static Optional<ProbeArgument> parse(String spec) {
        return parse(spec, 0, Map.of());
    }

    /**
     * Parses a spec of the probe site at {@code sitePc}; a global variable ({@code OFF+SYM(%rip)}) is read when
     * {@code symbols} has its link-time address: at the probe the instruction pointer is the site's address, so
     * the variable lies at {@code ip + (SYM + OFF - sitePc)} whatever address the binary was loaded at.
     */
    public static Optional<ProbeArgument> parse(String spec, long sitePc, Map<String, Long> symbols) {
        Matcher m = SPEC.matcher(spec);
        if (!m.matches()) {
            return Optional.empty();
        }
        boolean signed = !m.group(1).isEmpty();
        int size = Integer.parseInt(m.group(2));
        String op = m.group(3);
        Matcher c = CONST.matcher(op);
        if (c.matches()) {
            return Optional.of(new ProbeArgument(spec, size, signed, Kind.CONSTANT, Long.parseLong(c.group(1)),
                    null, 0));
        }
        Matcher r = REG.matcher(op);
        if (r.matches()) {
            return register(r.group(1)).map(reg -> new ProbeArgument(spec, size, signed, Kind.REGISTER, 0, reg, 0));
        }
        Matcher g = GLOBAL.matcher(op);
        if (g.matches()) {
            Long address = symbols.get(g.group(2));
            if (address == null) {
                return Optional.empty();
            }
            long off = (g.group(1) == null ? 0 : Long.parseLong(g.group(1)))
                    + (g.group(3) == null ? 0 : Long.parseLong(g.group(3)));
            return Optional.of(new ProbeArgument(spec, size, signed, Kind.MEMORY, 0, "ip", address + off - sitePc));
        }
        Matcher mem = MEM.matcher(op);
        if (mem.matches()) {
            long off = mem.group(1).isEmpty() || mem.group(1).equals("-") ? 0 : Long.parseLong(mem.group(1));
            return register(mem.group(2))
                    .map(reg -> new ProbeArgument(spec, size, signed, Kind.MEMORY, 0, reg, off));
        }
        return Optional.empty();
    }

    private static Optional<String> register(String name) {
        String mapped = REGISTERS.get(name);
        if (mapped != null) {
            return Optional.of(mapped);
        }
        Matcher n = NUMBERED.matcher(name);
        return n.matches() ? Optional.of("r" + n.group(1)) : Optional.empty();
    }

    /** A bpftrace expression with this argument's value. */
    public String expression() {
        return switch (kind) {
            case CONSTANT -> Long.toString(constant);
            case REGISTER -> size == 8 ? "reg(\"" + register + "\")"
                    : "(reg(\"" + register + "\") & 0x" + Long.toHexString((1L << (8 * size)) - 1) + ")";
            case MEMORY -> "*(" + (signed ? "int" : "uint") + (8 * size) + "*)(reg(\"" + register + "\")"
                    + (offset < 0 ? " - " + -offset : " + " + offset) + ")";
        };
    }
}
