package io.pgbftrace.capture;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * What {@code pgbftrace record} was asked to do.
 *
 * @param out             the session folder
 * @param force           replace an earlier session in {@code out}
 * @param connection      the server
 * @param postgresBinary  overrides the binary found through /proc; may be null
 * @param postmasterPid   the postmaster's pid as this machine sees it, where the server cannot be found from the
 *                        connection (it runs in a PID namespace this one cannot see into); may be null
 * @param duration        stop after this long; may be null
 * @param maxEvents       stop after this many events; may be null
 * @param lookFor         what a learner should look for in the views; may be null
 * @param forcePairing    tell outcomes apart by kernel-read pairing even when probe arguments can be read
 * @param method          usdt, uprobe, or auto (USDT probes where the binary has them, else function uprobes)
 * @param bufferPages     bpftrace's perf ring buffer, pages per CPU (more pages, fewer lost events)
 * @param output          a line per event, counts per slice, or either by the event rate
 * @param env             the environment (PATH for bpftrace)
 * @param toolVersion     written into the session
 */
public record RecordOptions(Path out, boolean force, ConnectionSettings connection, Path postgresBinary,
                            Integer postmasterPid, Duration duration, Long maxEvents, String title, String description, String lookFor,
                            boolean forcePairing, String method, int bufferPages, EventOutput output,
                            Map<String, String> env, String toolVersion) {
}
