package io.pgbftrace.cli;

import io.pgbftrace.capture.Preflight;
import io.pgbftrace.capture.StopControl;
import io.pgbftrace.session.PgbftraceException;
import io.pgbftrace.replay.ReplayServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code pgbftrace replay}: watch a session in the browser. */
@Command(name = "replay", sortOptions = false,
        header = "Watch a session in the browser, at any speed, or live while it is recorded.",
        description = {"Starts a small HTTP server for the replay page: a grid of blocks per relation that light",
                "up as they are read, with play/pause, speed, seeking and query markers. Ctrl-C stops it."},
        footerHeading = "%nExamples:%n",
        footer = {"  pgbftrace replay session1 --speed 0.25",
                "  pgbftrace replay session1 --port 8080 --open",
                "  pgbftrace replay live1 --follow          # while 'pgbftrace record --out live1' runs",
                "  pgbftrace replay session1 --bind 0.0.0.0 --port 8080   # reachable from other machines"})
public final class ReplayCommand extends EnvAware implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SESSION", description = SessionArgument.DESCRIPTION)
    Path session;

    @Option(names = "--speed", paramLabel = "X", defaultValue = "1",
            description = "Starting speed, 0.01 to 1000 (the page can change it; default: ${DEFAULT-VALUE}).")
    double speed;

    @Option(names = "--port", paramLabel = "N", defaultValue = "0",
            description = "Port to listen on (default: 0, a free one).")
    int port;

    @Option(names = "--bind", paramLabel = "ADDR", defaultValue = "127.0.0.1",
            description = "Address to listen on (default: ${DEFAULT-VALUE}, this machine only).")
    String bind;

    @Option(names = "--open", description = "Open the page in the default browser.")
    boolean open;

    @Option(names = "--follow", description = "Follow a session that record is still writing.")
    boolean follow;

    @Mixin
    RecorderEventsMixin recorderEvents;

    @Mixin
    HelpMixin help;

    @Override
    public Integer call() throws InterruptedException {
        if (!(speed >= 0.01 && speed <= 1000)) {
            throw PgbftraceException.usage("--speed must be between 0.01 and 1000, not " + speed);
        }
        if (port < 0 || port > 65535) {
            throw PgbftraceException.usage("--port must be between 0 and 65535, not " + port);
        }
        StopControl stop = new StopControl();
        stop.stopOnSignals();
        var err = new java.io.PrintStream(new WriterOutputStream(spec.commandLine().getErr()), true);
        try (SessionArgument s = SessionArgument.open(session).keepUntilExit();
             ReplayServer server = ReplayServer.start(s.folder(), bind, port, speed, follow,
                     recorderEvents.includeRecorder, err)) {
            var out = spec.commandLine().getOut();
            if (server.reachableFromOtherMachines()) {
                err.println("pgbftrace replay: --bind " + bind + ": other machines can reach this server and the"
                        + " session (queries included); use 127.0.0.1 to keep it on this machine");
            }
            out.printf(Locale.ROOT, "replaying %s at %s%s; Ctrl-C stops%n", session, server.url(),
                    follow ? " (following the recording)" : "");
            out.flush();
            if (open) {
                openBrowser(server.url().toString());
            }
            stop.awaitStop();
        }
        return ExitCodes.OK;
    }

    private void openBrowser(String url) {
        for (String opener : new String[]{"xdg-open", "sensible-browser", "x-www-browser"}) {
            var found = Preflight.findOnPath(opener, env);
            if (found.isPresent()) {
                try {
                    new ProcessBuilder(found.get().toString(), url).redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                    return;
                } catch (IOException e) {
                    break;
                }
            }
        }
        spec.commandLine().getErr().println("pgbftrace replay: no browser opener (xdg-open) found; open " + url
                + " yourself");
    }
}
