/**
 * The command line: one picocli class per subcommand, mixins for shared options, and {@link io.pgbftrace.cli.Main}
 * which maps every failure to an exit code and a one-line message. Commands only map options onto calls into
 * capture, session and views.
 */
package io.pgbftrace.cli;
