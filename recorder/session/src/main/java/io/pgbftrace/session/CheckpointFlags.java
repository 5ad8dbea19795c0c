package io.pgbftrace.session;

import java.util.ArrayList;
import java.util.List;

/**
 * The flags checkpoint__start passes (PostgreSQL's CHECKPOINT_* bits, src/include/access/xlog.h, 13 to 16), in
 * words: why the checkpoint ran and how.
 */
public final class CheckpointFlags {
    private static final String[] NAMES = {"shutdown", "end of recovery", "immediate", "forced", "flush all",
            "waited for", "requested", "WAL volume (max_wal_size)", "timed (checkpoint_timeout)"};

    private CheckpointFlags() {
    }

    /** "requested, immediate, forced, waited for" for the CHECKPOINT command; "flags 0x..." when unknown. */
    public static String describe(long flags) {
        List<String> words = new ArrayList<>();
        // the cause first
        for (int bit : new int[]{0, 1, 8, 7, 6, 2, 3, 4, 5}) {
            if ((flags & (1L << bit)) != 0) {
                words.add(NAMES[bit]);
            }
        }
        long unknown = flags & ~((1L << NAMES.length) - 1);
        if (words.isEmpty() || unknown != 0) {
            words.add("flags 0x" + Long.toHexString(flags));
        }
        return String.join(", ", words);
    }
}
