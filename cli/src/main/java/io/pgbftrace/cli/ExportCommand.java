package io.pgbftrace.cli;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.pgbftrace.session.OutputFile;
import io.pgbftrace.session.Pack;
import io.pgbftrace.session.PgbftraceException;
import io.pgbftrace.session.Words;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** {@code pgbftrace export}: a session's events, catalog or statements as CSV, JSON lines or Parquet. */
@Command(name = "export", sortOptions = false,
        header = "Export a session's events, catalog or statements as CSV, JSON lines or Parquet.",
        description = {"Write one table of a session, streamed in constant memory: events (every event, names",
                "resolved as of its time), relations (the catalog records) or queries (the statements). Parquet",
                "is written by DuckDB, loaded for this command only. Columns: docs/export.md."},
        footerHeading = "%nExamples:%n",
        footer = {"  pgbftrace export session1 --format csv -o session1-events.csv",
                "  pgbftrace export session1 --format parquet                 # session1-events.parquet",
                "  pgbftrace export session1 --format jsonl --table queries -o - | jq .text",
                "  duckdb -c \"SELECT relation, count(*) FROM 'exports/*-events.parquet' GROUP BY ALL\""})
public final class ExportCommand implements Callable<Integer> {
    /** The formats written. */
    enum Format { csv, jsonl, parquet }

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SESSION", description = SessionArgument.DESCRIPTION)
    Path session;

    @Option(names = "--format", required = true, paramLabel = "FORMAT", description = "csv, jsonl or parquet.")
    Format format;

    @Option(names = "--table", paramLabel = "TABLE", defaultValue = "events",
            description = "events (the default), relations or queries.")
    SessionExport.Table table;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE",
            description = "The file to write, or - for standard output (csv and jsonl; default: SESSION's name,"
                    + " -TABLE and the format's extension, in this folder). Only a new or regular file outside any"
                    + " session is ever replaced.")
    Path output;

    @Mixin
    RecorderEventsMixin recorderEvents;

    @Mixin
    HelpMixin help;

    @Override
    public Integer call() {
        Path out = output != null ? output : Path.of(SessionArgument.name(session) + "-" + table + "." + format);
        boolean stdout = OutputFile.isStdout(out);
        if (stdout && format == Format.parquet) {
            throw PgbftraceException.usage("-o - is not possible for parquet: give a file name");
        }
        if (!stdout) {
            OutputFile.check(out, "-o"); // before the session is read
        }
        List<SessionExport.Column> columns = SessionExport.columns(table);
        long[] rows = new long[1];
        try (SessionArgument s = SessionArgument.open(session)) {
            if (format == Format.parquet) {
                parquet(s.folder(), columns, out, rows);
            } else if (stdout) {
                try {
                    OutputStream o = new WriterOutputStream(spec.commandLine().getOut());
                    rows[0] = text(s.folder(), columns, format, o);
                    o.flush();
                } catch (IOException e) {
                    throw new PgbftraceException("cannot write to standard output: " + e.getMessage(), e);
                }
            } else {
                OutputFile.write(out, "-o", o -> rows[0] = text(s.folder(), columns, format, o));
            }
        }
        var summary = stdout ? spec.commandLine().getErr() : spec.commandLine().getOut();
        summary.printf(Locale.ROOT, "wrote %s (%s %s) to %s%n", Words.count(rows[0], "row"), table, format,
                stdout ? "standard output" : out);
        summary.flush();
        return ExitCodes.OK;
    }

    /** CSV (a header, RFC 4180 quoting, empty for null) or JSON lines (one object a row, null kept). */
    private long text(Path folder, List<SessionExport.Column> columns, Format as, OutputStream o)
            throws IOException {
        if (as == Format.csv) {
            Writer w = new BufferedWriter(new OutputStreamWriter(o, StandardCharsets.UTF_8), 1 << 16);
            w.write(columns.stream().map(SessionExport.Column::name).collect(Collectors.joining(",")));
            w.write('\n');
            long n = SessionExport.write(folder, table, recorderEvents.includeRecorder, values -> {
                for (int i = 0; i < values.length; i++) {
                    if (i > 0) {
                        w.write(',');
                    }
                    csv(w, values[i]);
                }
                w.write('\n');
            });
            w.flush();
            return n;
        }
        JsonGenerator g = new JsonFactory().createGenerator(o, JsonEncoding.UTF8); // flushed, never closed
        g.setRootValueSeparator(null);
        long n = SessionExport.write(folder, table, recorderEvents.includeRecorder, values -> {
            g.writeStartObject();
            for (int i = 0; i < values.length; i++) {
                g.writeFieldName(columns.get(i).name());
                Object v = values[i];
                if (v == null) {
                    g.writeNull();
                } else if (v instanceof Boolean b) {
                    g.writeBoolean(b);
                } else if (v instanceof Number num) {
                    g.writeNumber(num.longValue());
                } else {
                    g.writeString(v.toString());
                }
            }
            g.writeEndObject();
            g.writeRaw('\n');
        });
        g.flush();
        return n;
    }

    private static void csv(Writer w, Object v) throws IOException {
        if (v == null) {
            return;
        }
        String s = v.toString();
        if (s.isEmpty() || s.indexOf(',') >= 0 || s.indexOf('"') >= 0 || s.indexOf('\n') >= 0
                || s.indexOf('\r') >= 0) {
            w.write('"');
            w.write(s.replace("\"", "\"\""));
            w.write('"');
        } else {
            w.write(s);
        }
    }

    /**
     * Parquet: the rows as CSV in a temporary folder, read with their declared types and written as Parquet by
     * DuckDB (zstd), then put in place whole. DuckDB streams both, within a memory limit.
     */
    private void parquet(Path folder, List<SessionExport.Column> columns, Path out, long[] rows) {
        Path tmp;
        try {
            tmp = Files.createTempDirectory("pgbftrace-export-");
        } catch (IOException e) {
            throw new PgbftraceException("cannot export: no temporary folder (" + e.getMessage() + ")", e);
        }
        try {
            Path csv = tmp.resolve("rows.csv");
            try (OutputStream o = Files.newOutputStream(csv)) {
                rows[0] = text(folder, columns, Format.csv, o);
            } catch (IOException e) {
                throw new PgbftraceException("cannot export: " + OutputFile.reason(e, tmp), e);
            }
            Path parquet = tmp.resolve("rows.parquet");
            String types = columns.stream().map(c -> "'" + c.name() + "': '" + c.type() + "'")
                    .collect(Collectors.joining(", "));
            try (Connection c = duckdb().connect("jdbc:duckdb:", new Properties());
                 Statement st = c.createStatement()) {
                st.execute("SET memory_limit = '512MB'");
                st.execute("SET temp_directory = " + literal(tmp.resolve("duckdb").toString()));
                st.execute("COPY (SELECT * FROM read_csv(" + literal(csv.toString()) + ", header = true,"
                        + " delim = ',', quote = '\"', escape = '\"', nullstr = '', columns = {" + types + "}))"
                        + " TO " + literal(parquet.toString()) + " (FORMAT parquet, COMPRESSION zstd)");
            } catch (SQLException e) {
                throw new PgbftraceException("cannot write Parquet (DuckDB): " + e.getMessage().lines().findFirst()
                        .orElse(""), e);
            }
            OutputFile.write(out, "-o", o -> Files.copy(parquet, o));
        } finally {
            Pack.deleteTree(tmp);
        }
    }

    private static String literal(String s) {
        return "'" + s.replace("'", "''") + "'";
    }

    /**
     * DuckDB's JDBC driver: from the class path where it is there (tests), else from lib-export/ beside the
     * tool's jar, in a class loader of its own, so that no other command carries its 70 MB.
     */
    static Driver duckdb() {
        String name = "org.duckdb.DuckDBDriver";
        ClassLoader loader = ExportCommand.class.getClassLoader();
        try {
            loader.loadClass(name);
        } catch (ClassNotFoundException e) {
            loader = exportLibraries();
        }
        try {
            return (Driver) Class.forName(name, true, loader).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new PgbftraceException("cannot load DuckDB to write Parquet: " + e, e);
        }
    }

    private static ClassLoader exportLibraries() {
        Path dir;
        try {
            dir = Path.of(ExportCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .getParent().resolve("lib-export");
        } catch (Exception e) {
            throw new PgbftraceException("cannot find DuckDB to write Parquet: " + e.getMessage(), e);
        }
        try (Stream<Path> s = Files.list(dir)) {
            URL[] jars = s.filter(p -> p.toString().endsWith(".jar")).map(p -> {
                try {
                    return p.toUri().toURL();
                } catch (java.net.MalformedURLException e) {
                    throw new IllegalStateException(e);
                }
            }).toArray(URL[]::new);
            return new URLClassLoader(jars, ExportCommand.class.getClassLoader());
        } catch (IOException e) {
            throw new PgbftraceException("cannot write Parquet: DuckDB is not in " + dir + " (rebuild the tool: mvn"
                    + " package)", e);
        }
    }
}
