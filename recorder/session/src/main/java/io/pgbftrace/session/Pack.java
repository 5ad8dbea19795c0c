package io.pgbftrace.session;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * A session in one file, for mail and downloads: a ZIP archive (any unzip tool opens it) of the session folder's
 * files, compressed, and {@value #MANIFEST}, the last entry, listing every file with its size and SHA-256. Unpacking checks the manifest, every name, size and checksum, and writes into a temporary folder
 * beside the target that becomes the target only when all of it is verified: a damaged, truncated or foreign
 * file leaves nothing behind. docs/session-format.md describes the format.
 */
public final class Pack {
    public static final String MANIFEST = "pgbftrace-pack.json";
    /** What a pack's file name ends with, by convention. */
    public static final String SUFFIX = ".pgbftrace.zip";
    static final int VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** More than any session file holds (event logs roll over daily and stay far smaller). */
    private static final long MAX_FILE_BYTES = 1L << 40;

    private Pack() {
    }

    /** The manifest: the pack's version, the session folder's name, and its files. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public static final class Manifest {
        public int pack;
        public String session;
        public List<Entry> files = new ArrayList<>();
    }

    /** One file of the session: its path inside the folder ('/' separated), size and SHA-256 (hex). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public static final class Entry {
        public String path;
        public long bytes;
        public String sha256;
    }

    /** What {@link #write} packed. */
    public record Packed(int files, long sessionBytes) {
    }

    /**
     * Writes a session folder as a pack to {@code out} (which {@link OutputFile} guards: a new or regular file,
     * written whole or not at all). A session that a recorder is still writing is refused: it would not be whole.
     */
    public static Packed write(Path session, Path out) {
        if (OutputFile.isStdout(out)) {
            throw PgbftraceException.usage("-o - is not possible: a pack is a file; give its name");
        }
        OutputFile.check(out, "-o"); // before the session is read
        Manifest m = new Manifest();
        try (SessionReader r = SessionReader.open(session)) {
            if (r.recorderAlive()) {
                throw new PgbftraceException(session + " is still being recorded (pid " + r.metadata().recorder.pid
                        + "): stop the recording first, then pack it");
            }
        }
        List<Path> files = files(session);
        m.pack = VERSION;
        m.session = session.toAbsolutePath().normalize().getFileName().toString();
        long[] total = {0};
        OutputFile.write(out, "-o", os -> {
            ZipOutputStream zip = new ZipOutputStream(os);
            for (Path f : files) {
                Entry e = new Entry();
                e.path = name(session, f);
                zip.putNextEntry(new ZipEntry(e.path));
                MessageDigest d = sha256(); // what is hashed is what is packed: one reading of each file
                try (InputStream in = new DigestInputStream(Files.newInputStream(f), d)) {
                    e.bytes = in.transferTo(zip);
                }
                e.sha256 = HexFormat.of().formatHex(d.digest());
                zip.closeEntry();
                total[0] += e.bytes;
                m.files.add(e);
            }
            // last: a reader finds it through the archive's central directory, wherever it is
            zip.putNextEntry(new ZipEntry(MANIFEST));
            zip.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(m));
            zip.closeEntry();
            zip.finish();
        });
        return new Packed(files.size(), total[0]);
    }

    /** The regular files of a session folder, in name order; anything else in it is refused. */
    private static List<Path> files(Path session) {
        try (Stream<Path> s = Files.walk(session)) {
            List<Path> out = new ArrayList<>();
            for (Path p : (Iterable<Path>) s.sorted()::iterator) {
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    throw new PgbftraceException(p + " is not a regular file (a link, device or socket): a session"
                            + " holds only files; move it out of " + session + " and pack again");
                }
                out.add(p);
            }
            return out;
        } catch (IOException e) {
            throw new PgbftraceException("cannot read " + session + ": " + e.getMessage(), e);
        }
    }

    private static String name(Path session, Path file) {
        return session.relativize(file).toString().replace(java.io.File.separatorChar, '/');
    }

    /** Whether a file starts as a ZIP archive does (a pack, or another archive that {@link #unpack} refuses). */
    public static boolean looksLikeZip(Path file) {
        if (!Files.isRegularFile(file)) {
            return false;
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] b = in.readNBytes(4);
            return b.length == 4 && b[0] == 'P' && b[1] == 'K' && b[2] == 3 && b[3] == 4;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Unpacks and verifies a pack into {@code out}, which must not exist yet; on any failure nothing is left.
     *
     * @return the manifest read
     */
    public static Manifest unpack(Path pack, Path out) {
        if (!Files.isRegularFile(pack)) {
            throw new PgbftraceException(pack + (Files.exists(pack) ? " is not a file" : " does not exist")
                    + ": give a file made by 'pgbftrace pack'");
        }
        if (Files.exists(out, LinkOption.NOFOLLOW_LINKS)) {
            throw PgbftraceException.usage(out + " exists: unpack into a new folder");
        }
        Path parent = out.toAbsolutePath().normalize().getParent();
        Path tmp;
        try {
            Files.createDirectories(parent);
            tmp = Files.createTempDirectory(parent, "." + out.getFileName() + ".unpacking-");
        } catch (IOException e) {
            throw new PgbftraceException("cannot create " + out + ": " + e.getMessage(), e);
        }
        try {
            Manifest m = extract(pack, tmp);
            try {
                Files.move(tmp, out);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
                throw PgbftraceException.usage(out + " exists: unpack into a new folder");
            }
            return m;
        } catch (IOException e) {
            throw new PgbftraceException("cannot unpack into " + out + ": " + OutputFile.reason(e, parent)
                    + "; nothing was unpacked", e);
        } finally {
            deleteTree(tmp);
        }
    }

    private static Manifest extract(Path pack, Path dir) throws IOException {
        String refused = pack + " is not a pgbftrace pack";
        try (ZipFile zip = new ZipFile(pack.toFile())) {
            ZipEntry me = zip.getEntry(MANIFEST);
            if (me == null) {
                throw new PgbftraceException(refused + ": it has no " + MANIFEST + " (make one with 'pgbftrace pack')");
            }
            Manifest m;
            try (InputStream in = zip.getInputStream(me)) {
                m = JSON.readValue(in.readNBytes(1 << 24), Manifest.class);
            } catch (IOException e) {
                throw damaged(pack, "its " + MANIFEST + " cannot be read (" + firstLine(e.getMessage()) + ")");
            }
            if (m.pack != VERSION) {
                throw new PgbftraceException(pack + " is a pack of version " + m.pack + "; this pgbftrace reads"
                        + " version " + VERSION + ": use a newer pgbftrace");
            }
            if (m.files == null || m.files.isEmpty()) {
                throw damaged(pack, "its " + MANIFEST + " lists no files");
            }
            Set<String> listed = new HashSet<>();
            for (Entry e : m.files) {
                if (e.path == null || !safe(e.path) || !listed.add(e.path) || e.bytes < 0 || e.bytes > MAX_FILE_BYTES
                        || e.sha256 == null) {
                    throw damaged(pack, "its " + MANIFEST + " lists a file it may not hold: " + e.path);
                }
            }
            for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
                String name = en.nextElement().getName();
                if (!name.equals(MANIFEST) && !listed.contains(name)) {
                    throw damaged(pack, "it holds " + name + ", which its manifest does not list");
                }
            }
            for (Entry e : m.files) {
                ZipEntry ze = zip.getEntry(e.path);
                if (ze == null) {
                    throw damaged(pack, e.path + " is missing");
                }
                Path target = dir.resolve(e.path).normalize();
                if (!target.startsWith(dir)) {
                    throw damaged(pack, "its " + MANIFEST + " lists a file it may not hold: " + e.path);
                }
                Files.createDirectories(target.getParent());
                MessageDigest d = sha256();
                long n;
                InputStream raw;
                try {
                    raw = zip.getInputStream(ze);
                } catch (ZipException ex) {
                    throw damaged(pack, e.path + " cannot be read (" + firstLine(ex.getMessage()) + ")");
                }
                try (InputStream in = new DigestInputStream(raw, d); OutputStream o = Files.newOutputStream(target)) {
                    n = copy(pack, e.path, in, o, e.bytes + 1);
                }
                if (n != e.bytes || !HexFormat.of().formatHex(d.digest()).equalsIgnoreCase(e.sha256)) {
                    throw damaged(pack, e.path + " does not match its checksum");
                }
            }
            return m;
        } catch (ZipException e) {
            throw new PgbftraceException(refused + " (not a ZIP archive, or cut short: " + firstLine(e.getMessage())
                    + ")");
        }
    }

    /**
     * Copies at most {@code limit} bytes (a file longer than the manifest says is damaged, not a disk filler); a
     * failure to read is damage, a failure to write is thrown as it is (a full disk, say).
     */
    private static long copy(Path pack, String name, InputStream in, OutputStream out, long limit)
            throws IOException {
        byte[] buf = new byte[1 << 16];
        long n = 0;
        while (n < limit) {
            int r;
            try {
                r = in.read(buf, 0, (int) Math.min(buf.length, limit - n));
            } catch (IOException e) {
                throw damaged(pack, name + " cannot be decompressed (" + firstLine(e.getMessage()) + ")");
            }
            if (r < 0) {
                break;
            }
            out.write(buf, 0, r);
            n += r;
        }
        return n;
    }

    /** A relative path of plain names: no root, no '..', no backslash, nothing empty. */
    private static boolean safe(String path) {
        if (path.isEmpty() || path.startsWith("/") || path.contains("\\") || path.contains("\0")) {
            return false;
        }
        for (String part : path.split("/", -1)) {
            if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                return false;
            }
        }
        return true;
    }

    private static PgbftraceException damaged(Path pack, String what) {
        return new PgbftraceException(pack + " is damaged: " + what + "; nothing was unpacked (ask for the file"
                + " again)");
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Deletes a folder this class made, if it is still there. */
    public static void deleteTree(Path dir) {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a temporary folder left behind is named for what it was; nothing else is touched
        }
    }
}
