package io.pgbftrace.capture;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Asks a running recording to stop, from a signal handler, a timer or a test. The first reason wins. */
public final class StopControl {
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile String reason;

    public synchronized void stop(String why) {
        if (reason == null) {
            reason = why;
            stopped.countDown();
        }
    }

    public String reason() {
        return reason;
    }

    public boolean isStopped() {
        return reason != null;
    }

    /** Waits until stopped or the time passes; true when stopped. */
    boolean await(long millis) throws InterruptedException {
        return stopped.await(millis, TimeUnit.MILLISECONDS);
    }

    /** Waits until stopped. */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    /** Stops on SIGINT (Ctrl-C) and SIGTERM instead of letting the JVM exit, so the session is finished cleanly. */
    @SuppressWarnings("restriction")
    public void stopOnSignals() {
        for (String name : new String[]{"INT", "TERM"}) {
            sun.misc.Signal.handle(new sun.misc.Signal(name), s -> stop("signal SIG" + s.getName()));
        }
    }
}
