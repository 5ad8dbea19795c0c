package io.pgbftrace.session;

import java.util.Arrays;

/** LEB128 variable-length integers, with zig-zag for signed values. */
final class VarInts {
    private VarInts() {
    }

    /**
     * A growable byte array to write into: ByteArrayOutputStream's every write is synchronized, which showed as
     * a third of a batch's encoding in a profile of import.
     */
    static final class Writer {
        private byte[] buf;
        private int length;

        Writer(int capacity) {
            buf = new byte[Math.max(16, capacity)];
        }

        void write(int b) {
            if (length == buf.length) {
                buf = Arrays.copyOf(buf, buf.length * 2);
            }
            buf[length++] = (byte) b;
        }

        void write(byte[] b, int off, int n) {
            if (length + n > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, length + n));
            }
            System.arraycopy(b, off, buf, length, n);
            length += n;
        }

        void writeUnsigned(long v) {
            if (length + 10 > buf.length) {
                buf = Arrays.copyOf(buf, buf.length * 2 + 10);
            }
            while ((v & ~0x7FL) != 0) {
                buf[length++] = (byte) ((v & 0x7F) | 0x80);
                v >>>= 7;
            }
            buf[length++] = (byte) v;
        }

        void writeSigned(long v) {
            writeUnsigned((v << 1) ^ (v >> 63));
        }

        byte[] toByteArray() {
            return Arrays.copyOf(buf, length);
        }
    }

    /** Reads from a byte array, keeping its own position. */
    static final class Reader {
        private final byte[] buf;
        private int pos;

        Reader(byte[] buf, int pos) {
            this.buf = buf;
            this.pos = pos;
        }

        boolean hasMore() {
            return pos < buf.length;
        }

        int readByte() {
            if (pos >= buf.length) {
                throw new PgbftraceException("truncated batch");
            }
            return buf[pos++] & 0xFF;
        }

        long readUnsigned() {
            long result = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                int b = readByte();
                result |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    return result;
                }
            }
            throw new PgbftraceException("malformed varint in batch");
        }

        long readSigned() {
            long v = readUnsigned();
            return (v >>> 1) ^ -(v & 1);
        }

        byte[] readBytes(int n) {
            if (n < 0 || pos + n > buf.length) {
                throw new PgbftraceException("truncated batch");
            }
            byte[] out = new byte[n];
            System.arraycopy(buf, pos, out, 0, n);
            pos += n;
            return out;
        }
    }
}
