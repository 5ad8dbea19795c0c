package io.pgbftrace.cli;

import picocli.CommandLine.Option;

/** {@code --include-recorder}, one rule for every view: the recorder's own backends are hidden unless asked. */
public class RecorderEventsMixin {
    @Option(names = "--include-recorder",
            description = "Include the events of the recorder's own backends (catalog look-ups), hidden by default.")
    boolean includeRecorder;
}
