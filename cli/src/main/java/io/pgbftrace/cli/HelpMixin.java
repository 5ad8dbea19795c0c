package io.pgbftrace.cli;

import picocli.CommandLine.Option;

/** {@code --help} for every command; {@code -h} stays free for psql's --host. */
public class HelpMixin {
    @Option(names = "--help", usageHelp = true, description = "Show this help and exit.")
    boolean help;
}
