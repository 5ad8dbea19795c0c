package io.pgbftrace.session;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Encodes a batch of events into one self-contained record: its own dictionary of relation keys, times as
 * deltas, blocks as deltas per key. A batch can be decoded without any earlier one, so a reader may start
 * anywhere. The layout is in docs/session-format.md.
 */
public final class BatchCodec {
    private BatchCodec() {
    }

    /** A decoded batch header: enough to place the batch in time without decoding its events. */
    public record Header(int eventCount, long firstTimeNs, long lastTimeNs) {
    }

    private static boolean sameFile(Event a, Event b) {
        return a.relfilenode() == b.relfilenode() && a.db() == b.db() && a.spc() == b.spc() && a.fork() == b.fork()
                && a.local() == b.local();
    }

    private record Key(int db, int spc, int relfilenode, int fork, boolean local) {
        static Key of(Event e) {
            return new Key(e.db(), e.spc(), e.relfilenode(), e.fork(), e.local());
        }
    }

    /**
     * Encodes events (sorted by time here, stably, so each backend keeps its own order) into a batch record,
     * including the leading record-type byte.
     */
    public static byte[] encode(List<Event> events) {
        Event[] sorted = events.toArray(new Event[0]);
        Arrays.sort(sorted, Comparator.comparingLong(Event::timeNs));

        // each event's key, looked up once (and not at all when it is the previous event's: a scan's run)
        Map<Key, Integer> keyIndex = new HashMap<>();
        List<Key> keys = new ArrayList<>();
        int[] keyOf = new int[sorted.length];
        Event previous = null;
        int previousKey = -1;
        for (int i = 0; i < sorted.length; i++) {
            Event e = sorted[i];
            if (!e.kind().hasRelation()) {
                keyOf[i] = -1;
                continue;
            }
            if (previous == null || !sameFile(previous, e)) {
                previousKey = keyIndex.computeIfAbsent(Key.of(e), k -> {
                    keys.add(k);
                    return keys.size() - 1;
                });
                previous = e;
            }
            keyOf[i] = previousKey;
        }

        VarInts.Writer out = new VarInts.Writer(16 + sorted.length * 5);
        out.write(SessionFormat.RECORD_BATCH);
        out.writeUnsigned(keys.size());
        for (Key k : keys) {
            out.writeUnsigned(Integer.toUnsignedLong(k.db()));
            out.writeUnsigned(Integer.toUnsignedLong(k.spc()));
            out.writeUnsigned(Integer.toUnsignedLong(k.relfilenode()));
            out.write(k.fork() & 0xFF);
            out.write(k.local() ? 1 : 0);
        }
        out.writeUnsigned(sorted.length);
        long first = sorted.length == 0 ? 0 : sorted[0].timeNs();
        long last = sorted.length == 0 ? 0 : sorted[sorted.length - 1].timeNs();
        out.writeUnsigned(first);
        out.writeUnsigned(last - first);

        long[] lastBlock = new long[keys.size()];
        Arrays.fill(lastBlock, -1);
        long prevTime = first;
        int prevPid = Integer.MIN_VALUE;
        int prevKey = -1;
        for (int i = 0; i < sorted.length; i++) {
            Event e = sorted[i];
            int code = e.kind().code();
            int head = code & SessionFormat.HEAD_KIND_MASK;
            if (code >= EventKind.EXTENDED) {
                head |= SessionFormat.HEAD_EXTENDED_KIND;
            }
            int key = keyOf[i];
            if (e.pid() == prevPid) {
                head |= SessionFormat.HEAD_SAME_PID;
            }
            if (key >= 0 && key == prevKey) {
                head |= SessionFormat.HEAD_SAME_KEY;
            }
            if (key >= 0 && e.block() == lastBlock[key] + 1) {
                head |= SessionFormat.HEAD_NEXT_BLOCK;
            }
            out.write(head);
            out.writeUnsigned(e.timeNs() - prevTime);
            if ((head & SessionFormat.HEAD_SAME_PID) == 0) {
                out.writeUnsigned(Integer.toUnsignedLong(e.pid()));
            }
            if (key >= 0) {
                if ((head & SessionFormat.HEAD_SAME_KEY) == 0) {
                    out.writeUnsigned(key);
                }
                if ((head & SessionFormat.HEAD_NEXT_BLOCK) == 0) {
                    out.writeSigned(e.block() - lastBlock[key]);
                }
                lastBlock[key] = e.block();
                prevKey = key;
            }
            switch (e.kind()) {
                case READ, CHECKPOINT_START, CHECKPOINT_DONE, REWRITE_START, REWRITE_SWAP, WORKER_START ->
                        out.writeUnsigned(e.value());
                case QUERY -> {
                    byte[] text = queryBytes(e.text());
                    out.writeUnsigned(text.length);
                    out.write(text, 0, text.length);
                }
                default -> {
                }
            }
            prevTime = e.timeNs();
            prevPid = e.pid();
        }
        return out.toByteArray();
    }

    /** Encodes events into as many batch records as it takes to keep each at most maxBytes long. */
    public static List<byte[]> encodeBounded(List<Event> events, int maxBytes) {
        byte[] whole = encode(events);
        if (whole.length <= maxBytes || events.size() <= 1) {
            return List.of(whole);
        }
        List<Event> sorted = new ArrayList<>(events);
        sorted.sort(Comparator.comparingLong(Event::timeNs));
        int half = sorted.size() / 2;
        List<byte[]> out = new ArrayList<>(encodeBounded(sorted.subList(0, half), maxBytes));
        out.addAll(encodeBounded(sorted.subList(half, sorted.size()), maxBytes));
        return out;
    }

    private static byte[] queryBytes(String text) {
        byte[] bytes = (text == null ? "" : text).getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= SessionFormat.MAX_QUERY_BYTES) {
            return bytes;
        }
        int end = SessionFormat.MAX_QUERY_BYTES;
        while (end > 0 && (bytes[end] & 0xC0) == 0x80) {
            end--; // do not cut a UTF-8 sequence in two
        }
        return Arrays.copyOf(bytes, end);
    }

    /** Reads only the header of a batch record (which starts with its type byte). */
    public static Header header(byte[] record) {
        VarInts.Reader in = new VarInts.Reader(record, 1);
        skipKeys(in);
        int count = (int) in.readUnsigned();
        long first = in.readUnsigned();
        long last = first + in.readUnsigned();
        return new Header(count, first, last);
    }

    private static int skipKeys(VarInts.Reader in) {
        int n = (int) in.readUnsigned();
        for (int i = 0; i < n; i++) {
            in.readUnsigned();
            in.readUnsigned();
            in.readUnsigned();
            in.readByte();
            in.readByte();
        }
        return n;
    }

    /**
     * A sink for {@link #decodeRaw}: no object per event. {@code key} is called for each key of the batch before
     * any event; events name keys by index.
     */
    public interface RawSink {
        void key(int index, int db, int spc, int relfilenode, int fork, boolean local);

        /**
         * @param key   index of the event's key, or -1 for events without a relation
         * @param text  QUERY text, else null
         */
        void event(EventKind kind, long timeNs, int pid, int key, long block, long value, String text);
    }

    /** Decodes a batch record without making an object per event (for hot paths: replay windows). */
    public static void decodeRaw(byte[] record, RawSink sink) {
        if (record.length == 0 || record[0] != SessionFormat.RECORD_BATCH) {
            throw new PgbftraceException("not an event batch");
        }
        VarInts.Reader in = new VarInts.Reader(record, 1);
        int nKeys = (int) in.readUnsigned();
        for (int i = 0; i < nKeys; i++) {
            sink.key(i, (int) in.readUnsigned(), (int) in.readUnsigned(), (int) in.readUnsigned(), in.readByte(),
                    in.readByte() != 0);
        }
        int count = (int) in.readUnsigned();
        long time = in.readUnsigned();
        in.readUnsigned();
        long[] lastBlock = new long[nKeys];
        Arrays.fill(lastBlock, -1);
        int pid = 0;
        int key = -1;
        for (int i = 0; i < count; i++) {
            int head = in.readByte();
            EventKind kind = EventKind.ofCode((head & SessionFormat.HEAD_KIND_MASK)
                    + ((head & SessionFormat.HEAD_EXTENDED_KIND) != 0 ? EventKind.EXTENDED : 0));
            if (kind == null || (head & 0x80) != 0) {
                throw new PgbftraceException("unknown event head 0x" + Integer.toHexString(head) + " in batch");
            }
            time += in.readUnsigned();
            if ((head & SessionFormat.HEAD_SAME_PID) == 0) {
                pid = (int) in.readUnsigned();
            }
            long block = 0;
            int eventKey = -1;
            if (kind.hasRelation()) {
                if ((head & SessionFormat.HEAD_SAME_KEY) == 0) {
                    key = (int) in.readUnsigned();
                    if (key < 0 || key >= nKeys) {
                        throw new PgbftraceException("bad relation key " + key + " in batch");
                    }
                } else if (key < 0) {
                    throw new PgbftraceException("batch refers to a key it has not named");
                }
                block = (head & SessionFormat.HEAD_NEXT_BLOCK) != 0
                        ? lastBlock[key] + 1
                        : lastBlock[key] + in.readSigned();
                lastBlock[key] = block;
                eventKey = key;
            }
            long value = 0;
            String text = null;
            switch (kind) {
                case READ, CHECKPOINT_START, CHECKPOINT_DONE, REWRITE_START, REWRITE_SWAP, WORKER_START ->
                        value = in.readUnsigned();
                case QUERY -> text = new String(in.readBytes((int) in.readUnsigned()), StandardCharsets.UTF_8);
                default -> {
                }
            }
            sink.event(kind, time, pid, eventKey, block, value, text);
        }
    }

    /** Decodes a batch record (which starts with its type byte), handing each event to the sink in time order. */
    public static void decode(byte[] record, Consumer<Event> sink) {
        List<Key> keys = new ArrayList<>();
        decodeRaw(record, new RawSink() {
            @Override
            public void key(int index, int db, int spc, int relfilenode, int fork, boolean local) {
                keys.add(new Key(db, spc, relfilenode, fork, local));
            }

            @Override
            public void event(EventKind kind, long timeNs, int pid, int key, long block, long value, String text) {
                Key k = key < 0 ? null : keys.get(key);
                sink.accept(k == null
                        ? new Event(kind, timeNs, pid, 0, 0, 0, 0, 0, false, value, text)
                        : new Event(kind, timeNs, pid, k.db(), k.spc(), k.relfilenode(), k.fork(), block, k.local(),
                        value, text));
            }
        });
    }

}
