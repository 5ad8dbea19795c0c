/**
 * Capture: everything that talks to the traced server. The stapsdt notes of the postgres binary, the bpftrace
 * script made from them, the parser of bpftrace's output, the JDBC catalog snapshots, and the {@link
 * io.pgbftrace.capture.Recorder} that ties them together and writes a session. Views never import this package.
 */
package io.pgbftrace.capture;
