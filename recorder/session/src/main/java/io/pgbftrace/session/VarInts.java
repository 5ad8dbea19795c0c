package io.pgbftrace.session;

import java.io.ByteArrayOutputStream;

/** LEB128 variable-length integers, with zig-zag for signed values. */
final class VarInts {
    private VarInts() {
    }

    static void writeUnsigned(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    static void writeSigned(ByteArrayOutputStream out, long v) {
        writeUnsigned(out, (v << 1) ^ (v >> 63));
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
