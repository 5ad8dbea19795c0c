package io.pgbftrace.replay;

import io.pgbftrace.session.BatchCodec;
import io.pgbftrace.session.EventKind;
import io.pgbftrace.session.FileKey;
import io.pgbftrace.session.LongIntMap;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The events of a time window, aggregated for the page: per time slice, relation, kind and grid cell, a count;
 * and per slice the number of all events (so the page counts events it does not draw). Little-endian binary,
 * read in the page with a DataView; layout (also in docs/replay.md):
 * <pre>
 * "PGBW" u16 version=2 u16 0
 * f64 fromSeconds f64 toSeconds (from the session start)
 * u32 slices u32 records u32 events
 * slices x u32 events in the slice
 * records x { u16 slice, u16 relation id (low 16 bits), u8 kind (0 hit, 1 miss, 2 extend, 4 write),
 *             u8 relation id (high 8 bits), u16 count, u32 cell }
 * </pre>
 * Version 2 widened relation ids from 16 to 24 bits (version 1 wrapped past 65,535 relations).
 * Records are sorted by slice. A count above 65535 is split over several records.
 */
final class EventWindow {
    static final byte[] MAGIC = {'P', 'G', 'B', 'W'};
    static final int VERSION = 2;
    /** Relation ids fit in 24 bits; a grid cell number in 24 bits (a grid has at most 65,536 cells). */
    static final int MAX_RELATION_ID = (1 << 24) - 1;
    static final int HEADER_BYTES = 4 + 2 + 2 + 8 + 8 + 4 + 4 + 4;
    static final int RECORD_BYTES = 12;

    private EventWindow() {
    }

    /**
     * @param relations relation ids to send records for, or null for all (slice totals always count every event)
     */
    static byte[] encode(ReplayIndex index, double fromSeconds, double toSeconds, int slices, Set<Integer> relations) {
        long start = index.startNs();
        long from = start + (long) (fromSeconds * 1e9);
        long to = start + (long) (toSeconds * 1e9);
        long span = Math.max(1, to - from);
        long[] totals = new long[slices];
        // slice << 51 | kind << 48 | id << 24 | cell  ->  count (sorted keys are in slice order)
        LongIntMap cells = new LongIntMap(4096);
        index.readBatches(index.batchesIn(from, to), new BatchCodec.RawSink() {
            final List<FileKey> keys = new ArrayList<>();
            int[] ids = new int[16];
            long[] cellBlocks = new long[16];

            @Override
            public void key(int i, int db, int spc, int relfilenode, int fork, boolean local) {
                if (i == 0) {
                    keys.clear();
                }
                keys.add(new FileKey(db, spc, relfilenode));
                if (i >= ids.length) {
                    ids = java.util.Arrays.copyOf(ids, i * 2);
                    cellBlocks = java.util.Arrays.copyOf(cellBlocks, i * 2);
                }
                ids[i] = -1; // resolved at its first event in the window
            }

            @Override
            public void event(EventKind kind, long timeNs, int pid, int key, long block, long value, String text) {
                if (timeNs < from || timeNs >= to || index.hidden(pid)) {
                    return;
                }
                int slice = (int) Math.min(slices - 1, (timeNs - from) * slices / span);
                totals[slice]++;
                int code = switch (kind) {
                    case HIT -> 0;
                    case MISS -> 1;
                    case EXTEND -> 2;
                    case WRITE -> 4;
                    default -> -1;
                };
                if (code < 0) {
                    return;
                }
                if (ids[key] < 0) {
                    ReplayIndex.Entry e = index.resolve(keys.get(key), timeNs, block);
                    ids[key] = e.id;
                    cellBlocks[key] = e.cellBlocks();
                }
                if (relations != null && !relations.contains(ids[key])) {
                    return;
                }
                long cell = block / cellBlocks[key];
                cells.add(EventWindow.key(slice, code, ids[key], cell), 1);
            }
        });
        long[] keys = cells.sortedKeys();
        int records = 0;
        for (long k : keys) {
            records += (cells.get(k, 0) + 65534) / 65535;
        }
        long events = 0;
        for (long t : totals) {
            events += t;
        }
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + slices * 4 + records * RECORD_BYTES)
                .order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).putShort((short) VERSION).putShort((short) 0);
        b.putDouble(fromSeconds).putDouble(toSeconds);
        b.putInt(slices).putInt(records).putInt((int) Math.min(Integer.MAX_VALUE, events));
        for (long t : totals) {
            b.putInt((int) Math.min(Integer.MAX_VALUE, t));
        }
        for (long k : keys) {
            int n = cells.get(k, 0);
            while (n > 0) {
                int part = Math.min(65535, n);
                int id = (int) ((k >>> 24) & MAX_RELATION_ID);
                b.putShort((short) (k >>> 51)).putShort((short) id).put((byte) ((k >>> 48) & 7)).put((byte) (id >>> 16))
                        .putShort((short) part).putInt((int) (k & 0xFFFFFF));
                n -= part;
            }
        }
        return b.array();
    }

    static long key(int slice, int kind, int relationId, long cell) {
        if (relationId > MAX_RELATION_ID) {
            throw new IllegalStateException("more than " + MAX_RELATION_ID + " relations");
        }
        return (long) slice << 51 | (long) kind << 48 | (long) relationId << 24 | (cell & 0xFFFFFF);
    }

    /** For tests and tools: the records of an encoded window. */
    record Record(int slice, int relation, int kind, int count, long cell) {
    }

    static List<Record> decode(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        b.position(4 + 2 + 2 + 8 + 8);
        int slices = b.getInt();
        int records = b.getInt();
        b.getInt();
        b.position(b.position() + slices * 4);
        List<Record> out = new ArrayList<>();
        for (int i = 0; i < records; i++) {
            int slice = Short.toUnsignedInt(b.getShort());
            int rel = Short.toUnsignedInt(b.getShort());
            int kind = b.get();
            rel |= Byte.toUnsignedInt(b.get()) << 16;
            int count = Short.toUnsignedInt(b.getShort());
            long cell = Integer.toUnsignedLong(b.getInt());
            out.add(new Record(slice, rel, kind, count, cell));
        }
        return out;
    }

    /** For tests: the events of the window, all kinds. */
    static long events(byte[] bytes) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt(32);
    }
}
