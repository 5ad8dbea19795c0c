package io.pgbftrace.capture;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StapsdtNotesTest {
    /** A minimal ELF64 with a section-name table and one .note.stapsdt section holding the given notes. */
    static ByteBuffer elf(String[][] notes, long[] pcs) {
        ByteArrayOutputStream noteBytes = new ByteArrayOutputStream();
        for (int i = 0; i < notes.length; i++) {
            ByteArrayOutputStream desc = new ByteArrayOutputStream();
            ByteBuffer addrs = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
            addrs.putLong(pcs[i]).putLong(0).putLong(0);
            desc.writeBytes(addrs.array());
            for (String s : notes[i]) {
                desc.writeBytes((s + "\0").getBytes(StandardCharsets.US_ASCII));
            }
            byte[] d = desc.toByteArray();
            ByteBuffer h = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
            h.putInt(8).putInt(d.length).putInt(3);
            noteBytes.writeBytes(h.array());
            noteBytes.writeBytes("stapsdt\0".getBytes(StandardCharsets.US_ASCII));
            noteBytes.writeBytes(d);
            noteBytes.writeBytes(new byte[(4 - d.length % 4) % 4]);
        }
        byte[] strtab = "\0.shstrtab\0.note.stapsdt\0".getBytes(StandardCharsets.US_ASCII);
        byte[] n = noteBytes.toByteArray();
        int strOff = 64;
        int noteOff = strOff + strtab.length;
        int shOff = (noteOff + n.length + 7) & ~7;
        ByteBuffer b = ByteBuffer.allocate(shOff + 3 * 64).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, 0x464c457f).put(4, (byte) 2).put(5, (byte) 1);
        b.putLong(0x28, shOff).putShort(0x3A, (short) 64).putShort(0x3C, (short) 3).putShort(0x3E, (short) 1);
        b.put(strOff, strtab).put(noteOff, n);
        int sh1 = shOff + 64;
        b.putInt(sh1, 1).putInt(sh1 + 4, 3).putLong(sh1 + 0x18, strOff).putLong(sh1 + 0x20, strtab.length);
        int sh2 = shOff + 128;
        b.putInt(sh2, 11).putInt(sh2 + 4, 7).putLong(sh2 + 0x18, noteOff).putLong(sh2 + 0x20, n.length);
        return b;
    }

    @Test
    void readsProbeNamesAddressesAndArguments() throws IOException {
        ByteBuffer b = elf(new String[][]{
                {"postgresql", "buffer__read__done", "-4@-136(%rbp) 4@-132(%rbp) 1@$0 1@$1"},
                {"postgresql", "checkpoint__done", ""}}, new long[]{0x4407b4, 0x1ec240});
        List<StapsdtNotes.Note> notes = StapsdtNotes.parse(b, "test");
        assertEquals(2, notes.size());
        assertEquals(new StapsdtNotes.Note("postgresql", "buffer__read__done", 0x4407b4, 0,
                List.of("-4@-136(%rbp)", "4@-132(%rbp)", "1@$0", "1@$1")), notes.get(0));
        assertEquals(List.of(), notes.get(1).arguments());
    }

    @Test
    void refusesWhatIsNotElf() {
        ByteBuffer b = ByteBuffer.wrap("#!/bin/sh\necho this is a script, not a binary, and it is long enough\n"
                .getBytes(StandardCharsets.US_ASCII));
        IOException e = assertThrows(IOException.class, () -> StapsdtNotes.parse(b, "/usr/bin/x"));
        assertEquals("/usr/bin/x is not an ELF file", e.getMessage());
    }

    @Test
    void theInstalledPostgresHasTheProbesWeNeed() throws IOException {
        Path postgres = Path.of("/usr/lib/postgresql/15/bin/postgres");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(postgres) || "true".equals(System.getenv("CI")));
        List<StapsdtNotes.Note> notes = StapsdtNotes.read(postgres);
        for (String probe : BpftraceScript.REQUIRED_PROBES) {
            assertTrue(!StapsdtNotes.sites(notes, probe).isEmpty(), probe);
        }
        assertTrue(StapsdtNotes.sites(notes, "buffer__read__done").stream().allMatch(n -> n.arguments().size() == 8));
        // checkpoint__done reads globals relative to the instruction pointer: their addresses come from .dynsym
        StapsdtNotes.Note done = StapsdtNotes.sites(notes, "checkpoint__done").get(0);
        assertTrue(done.symbols().containsKey("CheckpointStats") && done.symbols().containsKey("NBuffers"),
                done.toString());
        assertTrue(done.argument(0).isPresent() && done.argument(1).isPresent(), done.toString());
    }
}
