package io.pgbftrace.replay;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;

/**
 * The events of a time window, aggregated for the page: per time slice, relation, kind and grid cell, a count.
 * Little-endian binary, read in the page with a DataView; layout (also in docs/replay.md):
 * <pre>
 * "PGBW" u16 version=1 u16 0
 * f64 fromSeconds f64 toSeconds (from the session start)
 * u32 slices u32 records u32 events
 * records x { u16 slice, u16 relation id, u8 kind (0 hit, 1 miss, 2 extend, 4 write), u8 0, u16 count, u32 cell }
 * </pre>
 * Records are sorted by slice. A count above 65535 is split over several records.
 */
final class EventWindow {
    static final byte[] MAGIC = {'P', 'G', 'B', 'W'};
    static final int VERSION = 1;
    static final int HEADER_BYTES = 4 + 2 + 2 + 8 + 8 + 4 + 4 + 4;
    static final int RECORD_BYTES = 12;

    private EventWindow() {
    }

    static byte[] encode(ReplayIndex index, double fromSeconds, double toSeconds, int slices) {
        long start = index.startNs();
        long from = start + (long) (fromSeconds * 1e9);
        long to = start + (long) (toSeconds * 1e9);
        long span = Math.max(1, to - from);
        // slice << 48 | id << 32 | kind << 29 | cell  ->  count
        Map<Long, long[]> cells = new HashMap<>();
        long[] events = new long[1];
        index.eventsIn(from, to, e -> {
            int kind = switch (e.kind()) {
                case HIT -> 0;
                case MISS -> 1;
                case EXTEND -> 2;
                case WRITE -> 4;
                default -> -1;
            };
            if (kind < 0) {
                return;
            }
            ReplayIndex.Entry entry = index.resolve(e);
            long cell = e.block() / entry.cellBlocks();
            long slice = Math.min(slices - 1, (e.timeNs() - from) * slices / span);
            long key = slice << 48 | (long) (entry.id & 0xFFFF) << 32 | (long) kind << 29 | (cell & 0x1FFFFFFF);
            cells.computeIfAbsent(key, k -> new long[1])[0]++;
            events[0]++;
        });
        long[] keys = cells.keySet().stream().mapToLong(Long::longValue).sorted().toArray();
        int records = 0;
        for (long k : keys) {
            records += (int) ((cells.get(k)[0] + 65534) / 65535);
        }
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + records * RECORD_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).putShort((short) VERSION).putShort((short) 0);
        b.putDouble(fromSeconds).putDouble(toSeconds);
        b.putInt(slices).putInt(records).putInt((int) Math.min(Integer.MAX_VALUE, events[0]));
        for (long k : keys) {
            long n = cells.get(k)[0];
            while (n > 0) {
                int part = (int) Math.min(65535, n);
                b.putShort((short) (k >>> 48)).putShort((short) (k >>> 32)).put((byte) ((k >>> 29) & 7)).put((byte) 0)
                        .putShort((short) part).putInt((int) (k & 0x1FFFFFFF));
                n -= part;
            }
        }
        return b.array();
    }

    /** For tests and tools: the records of an encoded window. */
    record Record(int slice, int relation, int kind, int count, long cell) {
    }

    static java.util.List<Record> decode(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        b.position(4 + 2 + 2 + 8 + 8 + 4);
        int records = b.getInt();
        b.getInt();
        java.util.List<Record> out = new java.util.ArrayList<>();
        for (int i = 0; i < records; i++) {
            int slice = Short.toUnsignedInt(b.getShort());
            int rel = Short.toUnsignedInt(b.getShort());
            int kind = b.get();
            b.get();
            int count = Short.toUnsignedInt(b.getShort());
            long cell = Integer.toUnsignedLong(b.getInt());
            out.add(new Record(slice, rel, kind, count, cell));
        }
        return out;
    }
}
