package io.pgbftrace.session;

import java.io.IOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Runs a producer on a thread of its own while the calling thread consumes what it hands over, in order: reading
 * and decoding (or parsing) beside writing (or visiting), each about half of the work. The producer's failure is
 * thrown on the calling thread. A consumer that fails makes {@link #hand} return false, and the producer is
 * waited for: it is told to stop by a flag, never interrupted (an interrupt closes a file channel it reads).
 */
public final class Relay {
    private static final Object END = new Object();

    /** Makes the items; {@link #hand} gives each over (false: stop, the consumer gave up). */
    @FunctionalInterface
    public interface Producer {
        void produce(Relay relay) throws IOException;
    }

    private final BlockingQueue<Object> queue;
    private final AtomicBoolean cancelled = new AtomicBoolean();

    private Relay(int capacity) {
        this.queue = new ArrayBlockingQueue<>(capacity);
    }

    /**
     * Runs {@code producer} on a thread named {@code name}, and {@code consumer} here for each item it hands over;
     * returns when both are done, or throws the first failure (the producer's IOException as it is).
     *
     * @param capacity items the producer may be ahead by
     */
    public static void run(String name, int capacity, Producer producer, Consumer<Object> consumer)
            throws IOException {
        Relay relay = new Relay(capacity);
        Thread thread = new Thread(() -> {
            Object last = END;
            try {
                producer.produce(relay);
            } catch (IOException | RuntimeException | Error e) {
                last = e;
            }
            relay.hand(last);
        }, name);
        thread.setDaemon(true);
        thread.start();
        try {
            for (Object o = relay.queue.take(); o != END; o = relay.queue.take()) {
                if (o instanceof IOException e) {
                    throw e;
                } else if (o instanceof RuntimeException e) {
                    throw e;
                } else if (o instanceof Error e) {
                    throw e;
                }
                consumer.accept(o);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgbftraceException(name + " was interrupted", e);
        } finally {
            // a consumer that failed leaves the producer waiting to hand over more: make room until it stops
            relay.cancelled.set(true);
            boolean interrupted = false;
            while (thread.isAlive()) {
                relay.queue.clear();
                try {
                    thread.join(10);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Hands an item over (not an exception: those end the relay); false once the consumer has given up. */
    public boolean hand(Object item) {
        try {
            while (!cancelled.get()) {
                if (queue.offer(item, 10, TimeUnit.MILLISECONDS)) {
                    return true;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }
}
