/**
 * The replay: a small HTTP server (the JDK's own) that serves a session to a page in the browser as compact
 * binary windows of events, seekable through a time index built from batch headers, and that follows a session
 * still being recorded. The page (ES modules under {@code resources/replay/}) draws the blocks of each relation.
 */
package io.pgbftrace.replay;
