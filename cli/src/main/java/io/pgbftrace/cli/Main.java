package io.pgbftrace.cli;

import io.pgbftrace.session.PgbftraceException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Map;

/** The root command. {@code System.exit} is called here and nowhere else. */
@Command(name = "pgbftrace", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "See what PostgreSQL's shared buffers do: record every buffer access of a running server"
                + " with bpftrace, then inspect the session.",
        subcommands = {RecordCommand.class, ImportCommand.class, InfoCommand.class, QueriesCommand.class, ReportCommand.class,
                CompareCommand.class, WhatifCommand.class, ExportCommand.class, PackCommand.class, UnpackCommand.class,
                ReplayCommand.class, DemoCommand.class,
                CommandLine.HelpCommand.class},
        footerHeading = "%nExamples:%n",
        footer = {"  sudo ./pgbftrace demo                    # start here: records a tour on a throwaway cluster",
                "  sudo ./pgbftrace record -h /var/run/postgresql -d shop --out session1 --duration 30s",
                "  ./pgbftrace info session1",
                "  ./pgbftrace queries session1 --top 10",
                "  ./pgbftrace report session1 -o report.html",
                "  ./pgbftrace replay session1 --speed 0.25 --open",
                "  ./pgbftrace export session1 --format parquet",
                "  ./pgbftrace pack session1                # session1.pgbftrace.zip: one file to share",
                "  ./pgbftrace import capture.txt --format pgbftrace --catalog db -d shop --out old1",
                "",
                "Add --stacktrace to any command to see the stack trace of an error."})
public final class Main implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }

    static {
        // also when started without the launcher (java -jar): never phone home, no banner
        System.setProperty("chronicle.analytics.disable", "true");
        System.setProperty("chronicle.announcer.disable", "true");
        System.setProperty("chronicle.disk.monitor.disable", "true");
        System.setProperty("java.awt.headless", "true");
    }

    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true),
                System.getenv()));
    }

    /** Runs a command line; returns its exit code. Tests call this with their own writers and environment. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err, Map<String, String> env) {
        boolean stacktrace = Arrays.asList(args).contains("--stacktrace");
        String[] rest = Arrays.stream(args).filter(a -> !a.equals("--stacktrace")).toArray(String[]::new);
        CommandLine cl = new CommandLine(new Main(), new EnvFactory(env));
        cl.setUsageHelpWidth(110);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler((ex, a) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println(name(c) + ": " + ex.getMessage());
            c.getErr().println("Usage: " + c.getHelp().synopsis(0).trim());
            c.getErr().println("Try '" + name(c) + " --help' for more.");
            return ExitCodes.USAGE;
        });
        cl.setExecutionExceptionHandler((ex, c, parseResult) -> {
            PrintWriter e = c.getErr();
            if (ex instanceof PgbftraceException pe) {
                e.println(name(c) + ": " + oneLine(pe.getMessage()));
                if (pe.isUsage()) {
                    // a mistake in what was typed: show how it is typed (JDK jfr's UserSyntaxException does too)
                    e.println("Usage: " + c.getHelp().synopsis(0).trim().replaceAll("\\s+", " "));
                }
            } else {
                e.println(name(c) + ": internal error: " + oneLine(String.valueOf(ex))
                        + (stacktrace ? "" : " (add --stacktrace for details)"));
            }
            if (stacktrace) {
                ex.printStackTrace(e);
            }
            e.flush();
            return ex instanceof PgbftraceException pe && pe.isUsage() ? ExitCodes.USAGE : ExitCodes.FAILED;
        });
        return cl.execute(rest);
    }

    /** Messages reach a terminal: no control characters (escape codes, carriage returns) and one line. */
    static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("[\\p{Cntrl}&&[^\t]]+", " ").strip();
    }

    private static String name(CommandLine c) {
        return c.getCommandSpec().qualifiedName();
    }

    /** Gives commands the environment (tests pass their own). */
    static final class EnvFactory implements CommandLine.IFactory {
        private final Map<String, String> env;

        EnvFactory(Map<String, String> env) {
            this.env = env;
        }

        @Override
        public <K> K create(Class<K> cls) throws Exception {
            K o = CommandLine.defaultFactory().create(cls);
            if (o instanceof NeedsEnv n) {
                n.env(env);
            }
            return o;
        }
    }

    /** A command that reads the environment. */
    interface NeedsEnv {
        void env(Map<String, String> env);
    }
}
