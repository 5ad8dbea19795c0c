/**
 * {@code pgbftrace demo}: teaching scenarios recorded on a throwaway PostgreSQL cluster. A scenario is SQL with a
 * small header (docs/scenarios.md); the demo runs it while recording, then writes the session and its report.
 * This package joins capture (the recorder) and views (the report), so it lives in the cli module.
 */
package io.pgbftrace.demo;
