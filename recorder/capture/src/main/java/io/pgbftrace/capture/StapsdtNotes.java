package io.pgbftrace.capture;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the SystemTap SDT notes ({@code .note.stapsdt}) of an ELF64 little-endian binary: one note per probe
 * site, with its address and the locations of its arguments. This is what {@code readelf -n} prints.
 */
public final class StapsdtNotes {
    private static final int NT_STAPSDT = 3;
    private static final int SHT_NOTE = 7;
    private static final int SHT_SYMTAB = 2;
    private static final int SHT_DYNSYM = 11;
    private static final int STT_OBJECT = 1;
    private static final int STT_FUNC = 2;
    /**
     * Globals the capture script reads at probe sites besides the arguments (the text of the statement a backend
     * runs): every note carries their addresses, so {@link ProbeArgument} can read them relative to the site.
     */
    static final List<String> SCRIPT_GLOBALS = List.of("debug_query_string");
    /** The variable an argument reads relative to the instruction pointer, as in {@code -4@40+CheckpointStats(%rip)}. */
    private static final Pattern RIP_SYMBOL = Pattern.compile("([A-Za-z_][\\w.]*)(?:[+-]\\d+)?\\(%rip\\)");

    private StapsdtNotes() {
    }

    /**
     * One probe site.
     *
     * @param pc        the site's address (adjusted for prelinking through .stapsdt.base)
     * @param semaphore address of the probe's semaphore, 0 if none
     * @param arguments the argument specs, e.g. {@code -4@-136(%rbp)} or {@code 1@$1}
     */
    public record Note(String provider, String name, long pc, long semaphore, List<String> arguments,
                       Map<String, Long> symbols) {
        public Note(String provider, String name, long pc, long semaphore, List<String> arguments) {
            this(provider, name, pc, semaphore, arguments, Map.of());
        }

        /** A pointer-sized global of {@link #SCRIPT_GLOBALS} as bpftrace can read it at this site, or empty. */
        public Optional<ProbeArgument> global(String name) {
            return ProbeArgument.parse("8@" + name + "(%rip)", pc, symbols);
        }

        /** Argument {@code i} as bpftrace can read it (globals resolved), empty when it cannot. */
        public Optional<ProbeArgument> argument(int i) {
            return i < arguments.size() ? ProbeArgument.parse(arguments.get(i), pc, symbols) : Optional.empty();
        }
    }

    /** Reads the notes of a binary; an ELF file without notes gives an empty list. */
    public static List<Note> read(Path binary) throws IOException {
        ByteBuffer elf;
        try (FileChannel ch = FileChannel.open(binary, StandardOpenOption.READ)) {
            elf = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()).order(ByteOrder.LITTLE_ENDIAN);
        }
        return parse(elf, binary.toString());
    }

    static List<Note> parse(ByteBuffer elf, String name) throws IOException {
        elf.order(ByteOrder.LITTLE_ENDIAN);
        if (elf.limit() < 64 || elf.getInt(0) != 0x464c457f) {
            throw new IOException(name + " is not an ELF file");
        }
        if (elf.get(4) != 2 || elf.get(5) != 1) {
            throw new IOException(name + " is not a 64-bit little-endian ELF file");
        }
        long shoff = elf.getLong(0x28);
        int shentsize = Short.toUnsignedInt(elf.getShort(0x3A));
        int shnum = Short.toUnsignedInt(elf.getShort(0x3C));
        int shstrndx = Short.toUnsignedInt(elf.getShort(0x3E));
        if (shoff <= 0 || shnum == 0 || shstrndx >= shnum) {
            return List.of();
        }
        long strtabOffset = elf.getLong((int) (shoff + (long) shstrndx * shentsize + 0x18));

        Map<String, Long> symbolTable = symbols(elf, shoff, shentsize, shnum, STT_OBJECT);

        long notesOffset = -1;
        long notesSize = 0;
        long baseAddr = -1;
        for (int i = 0; i < shnum; i++) {
            int sh = (int) (shoff + (long) i * shentsize);
            String section = cString(elf, (int) (strtabOffset + Integer.toUnsignedLong(elf.getInt(sh))));
            if (section.equals(".note.stapsdt") && elf.getInt(sh + 4) == SHT_NOTE) {
                notesOffset = elf.getLong(sh + 0x18);
                notesSize = elf.getLong(sh + 0x20);
            } else if (section.equals(".stapsdt.base")) {
                baseAddr = elf.getLong(sh + 0x10);
            }
        }
        List<Note> notes = new ArrayList<>();
        int pos = (int) notesOffset;
        int end = (int) (notesOffset + notesSize);
        while (notesOffset >= 0 && pos + 12 <= end) {
            int namesz = elf.getInt(pos);
            int descsz = elf.getInt(pos + 4);
            int type = elf.getInt(pos + 8);
            int namePos = pos + 12;
            int descPos = namePos + align4(namesz);
            if (type == NT_STAPSDT && "stapsdt".equals(cString(elf, namePos))) {
                long pc = elf.getLong(descPos);
                long base = elf.getLong(descPos + 8);
                long semaphore = elf.getLong(descPos + 16);
                int p = descPos + 24;
                String provider = cString(elf, p);
                p += provider.length() + 1;
                String probe = cString(elf, p);
                p += probe.length() + 1;
                String args = cString(elf, p);
                if (baseAddr >= 0 && base != 0) {
                    pc += baseAddr - base; // prelinked binaries move the section; the note keeps the old base
                }
                List<String> arguments = args.isBlank() ? List.of() : List.of(args.trim().split("\\s+"));
                Map<String, Long> used = new HashMap<>();
                for (String global : SCRIPT_GLOBALS) {
                    if (symbolTable.containsKey(global)) {
                        used.put(global, symbolTable.get(global));
                    }
                }
                for (String a : arguments) {
                    Matcher g = RIP_SYMBOL.matcher(a);
                    if (g.find() && symbolTable.containsKey(g.group(1))) {
                        used.put(g.group(1), symbolTable.get(g.group(1)));
                    }
                }
                notes.add(new Note(provider, probe, pc, semaphore, arguments, Map.copyOf(used)));
            }
            pos = descPos + align4(descsz);
        }
        return notes;
    }

    /**
     * Every function the binary's symbol tables name (.dynsym, kept by distribution builds, and .symtab when not
     * stripped: where bpftrace can attach uprobes), compiler clones included ({@code FlushBuffer.isra.11}):
     * empty when it is not an x86-64 ELF file or has no symbol table.
     */
    public static Set<String> functionNames(Path binary) throws IOException {
        return elf(binary).map(elf -> symbols(elf, STT_FUNC).keySet()).orElse(Set.of());
    }

    /** The link-time addresses of those of {@code names} that the binary's symbol tables define (functions, data). */
    public static Map<String, Long> addresses(Path binary, Set<String> names) throws IOException {
        Map<String, Long> out = new HashMap<>();
        elf(binary).ifPresent(elf -> {
            out.putAll(symbols(elf, STT_FUNC));
            out.putAll(symbols(elf, STT_OBJECT));
        });
        out.keySet().retainAll(names);
        return Map.copyOf(out);
    }

    /**
     * The address ranges of the functions the binary's symbol tables name with a size (start to end, exclusive):
     * which function a probe site lies in. A stripped build keeps its exported functions (.dynsym); a site inside a
     * static function that was not inlined into one of them lies in none.
     */
    public static java.util.NavigableMap<Long, Long> functionRanges(Path binary) throws IOException {
        java.util.TreeMap<Long, Long> out = new java.util.TreeMap<>();
        elf(binary).ifPresent(elf -> eachSymbol(elf, elf.getLong(0x28), Short.toUnsignedInt(elf.getShort(0x3A)),
                Short.toUnsignedInt(elf.getShort(0x3C)), (kind, value, length, nameAt) -> {
                    if (kind == STT_FUNC && value != 0 && length > 0) {
                        out.merge(value, value + length, Math::max);
                    }
                }));
        return out;
    }

    /** The start of the function in {@code ranges} that holds {@code pc}, or -1 when none does. */
    static long functionAt(java.util.NavigableMap<Long, Long> ranges, long pc) {
        Map.Entry<Long, Long> f = ranges.floorEntry(pc);
        return f != null && pc < f.getValue() ? f.getKey() : -1;
    }

    /** The binary mapped, when it is a 64-bit little-endian ELF file with section headers. */
    private static Optional<ByteBuffer> elf(Path binary) throws IOException {
        ByteBuffer elf;
        try (FileChannel ch = FileChannel.open(binary, StandardOpenOption.READ)) {
            elf = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()).order(ByteOrder.LITTLE_ENDIAN);
        }
        return elf.limit() < 64 || elf.getInt(0) != 0x464c457f || elf.get(4) != 2 || elf.get(5) != 1
                || elf.getLong(0x28) <= 0 ? Optional.empty() : Optional.of(elf);
    }

    private static Map<String, Long> symbols(ByteBuffer elf, int wantedType) {
        return symbols(elf, elf.getLong(0x28), Short.toUnsignedInt(elf.getShort(0x3A)),
                Short.toUnsignedInt(elf.getShort(0x3C)), wantedType);
    }

    /** Name -> link-time address of the defined symbols of one type (object or function). */
    private static Map<String, Long> symbols(ByteBuffer elf, long shoff, int shentsize, int shnum, int wantedType) {
        Map<String, Long> table = new HashMap<>();
        eachSymbol(elf, shoff, shentsize, shnum, (kind, value, length, nameAt) -> {
            if (kind == wantedType && value != 0) {
                table.put(cString(elf, nameAt), value);
            }
        });
        return table;
    }

    /** One entry of a symbol table: its type, value (address), size and where its name starts. */
    private interface SymbolVisitor {
        void symbol(int kind, long value, long size, int nameAt);
    }

    /** Every entry of the binary's symbol tables (.symtab and .dynsym). */
    private static void eachSymbol(ByteBuffer elf, long shoff, int shentsize, int shnum, SymbolVisitor visitor) {
        for (int i = 0; i < shnum; i++) {
            int sh = (int) (shoff + (long) i * shentsize);
            int type = elf.getInt(sh + 4);
            if (type == SHT_SYMTAB || type == SHT_DYNSYM) {
                long offset = elf.getLong(sh + 0x18);
                long size = elf.getLong(sh + 0x20);
                long entsize = Math.max(24, elf.getLong(sh + 0x38));
                int link = elf.getInt(sh + 0x28);
                long names = elf.getLong((int) (shoff + (long) link * shentsize + 0x18));
                for (long e = offset; e + 24 <= offset + size; e += entsize) {
                    visitor.symbol(elf.get((int) e + 4) & 0xF, elf.getLong((int) e + 8), elf.getLong((int) e + 16),
                            (int) (names + Integer.toUnsignedLong(elf.getInt((int) e))));
                }
            }
        }
    }

    private static int align4(int n) {
        return (n + 3) & ~3;
    }

    private static String cString(ByteBuffer buf, int pos) {
        int end = pos;
        while (end < buf.limit() && buf.get(end) != 0) {
            end++;
        }
        byte[] bytes = new byte[end - pos];
        buf.get(pos, bytes);
        return new String(bytes, StandardCharsets.US_ASCII);
    }

    /** The sites of one probe of the postgresql provider. */
    public static List<Note> sites(List<Note> notes, String probe) {
        return notes.stream().filter(n -> n.provider().equals("postgresql") && n.name().equals(probe)).toList();
    }
}
