/**
 * {@code pgbftrace whatif}: a session's buffer accesses replayed through a model of PostgreSQL's buffer replacement
 * (clock sweep with usage counts, and the rings of bulk reads, bulk writes and VACUUM) at other shared_buffers.
 */
package io.pgbftrace.whatif;
