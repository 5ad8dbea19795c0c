/**
 * The session: a folder holding {@code session.json} (metadata) and a Chronicle Queue of event batches and
 * relation records. {@link io.pgbftrace.session.SessionWriter} writes it, {@link io.pgbftrace.session.SessionReader}
 * reads it (also while it is still being written). The layout is described in {@code docs/session-format.md}.
 * Nothing here knows about bpftrace or HTML.
 */
package io.pgbftrace.session;
