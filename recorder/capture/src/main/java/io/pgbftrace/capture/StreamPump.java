package io.pgbftrace.capture;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Reads a stream on a thread of its own into memory, so that the process writing it never waits for its reader:
 * bpftrace stops reading its ring buffers (and lets the kernel drop events) while a write to a full pipe blocks it,
 * and aggregated output must be printed and cleared before its maps are written again. The reader sees the same
 * bytes in order, then the end of the stream, or the error that ended it.
 */
final class StreamPump extends InputStream {
    private static final int CHUNK = 64 * 1024;
    private static final byte[] END = new byte[0];
    /** A read shorter than this waits {@link #GATHER_NS} before the next. */
    private static final int SHORT = 16 * 1024;
    private static final long GATHER_NS = 2_000_000;

    private final BlockingQueue<byte[]> chunks;
    private volatile IOException failure;
    private byte[] current = new byte[0];
    private int position;
    private boolean ended;

    /** @param maxBytes how far the reader may fall behind before the writer waits after all */
    StreamPump(InputStream in, long maxBytes, String name) {
        this.chunks = new ArrayBlockingQueue<>((int) Math.max(2, maxBytes / CHUNK));
        Thread t = new Thread(() -> pump(in), name);
        t.setDaemon(true);
        t.start();
    }

    private void pump(InputStream in) {
        try {
            while (true) {
                byte[] buffer = new byte[CHUNK];
                int n = in.read(buffer);
                if (n < 0) {
                    break;
                }
                chunks.put(n == CHUNK ? buffer : java.util.Arrays.copyOf(buffer, n));
                if (n < SHORT) {
                    // a writer that writes a line at a time (bpftrace does) hands one line per read to a reader
                    // that keeps up: a read and a hand-over per line cost more than parsing it. Letting the pipe
                    // fill a moment (it holds 64 KiB, 17 ms of the fastest output seen) makes it a read per
                    // few hundred lines, and spares the writer a wake-up per line
                    java.util.concurrent.locks.LockSupport.parkNanos(GATHER_NS);
                }
            }
        } catch (IOException e) {
            failure = e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            chunks.put(END);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean fill() throws IOException {
        while (!ended && position == current.length) {
            try {
                current = chunks.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while reading");
            }
            position = 0;
            if (current == END) {
                ended = true;
                if (failure != null) {
                    throw failure;
                }
            }
        }
        return !ended;
    }

    @Override
    public int read() throws IOException {
        return fill() ? current[position++] & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (!fill()) {
            return -1;
        }
        int n = Math.min(len, current.length - position);
        System.arraycopy(current, position, b, off, n);
        position += n;
        return n;
    }
}
