/** Views of a session. The HTML report and the replay server live here; they read sessions, never bpftrace. */
package io.pgbftrace.report;
