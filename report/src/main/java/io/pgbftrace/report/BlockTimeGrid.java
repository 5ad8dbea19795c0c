package io.pgbftrace.report;

/**
 * Event counts by time bin and block range, filled in one pass without knowing the relation's size: a row
 * starts as one block and doubles (merging rows pairwise) whenever a block beyond the last row arrives, so the
 * memory stays fixed however large the relation. Channels: hits, misses, extends, writes.
 */
final class BlockTimeGrid {
    static final int HIT = 0;
    static final int MISS = 1;
    static final int EXTEND = 2;
    static final int WRITE = 3;
    private static final int CHANNELS = 4;

    private final int timeBins;
    private final int rows;
    private long rowSize = 1;
    private long maxBlock = -1;
    private int[][] counts;

    BlockTimeGrid(int timeBins, int rows) {
        this.timeBins = timeBins;
        this.rows = rows;
        this.counts = new int[CHANNELS][timeBins * rows];
    }

    void add(int timeBin, long block, int channel) {
        while (block >= rowSize * rows) {
            coarsen();
        }
        maxBlock = Math.max(maxBlock, block);
        counts[channel][timeBin * rows + (int) (block / rowSize)]++;
    }

    private void coarsen() {
        int[][] merged = new int[CHANNELS][timeBins * rows];
        for (int c = 0; c < CHANNELS; c++) {
            for (int t = 0; t < timeBins; t++) {
                for (int r = 0; r < rows; r++) {
                    merged[c][t * rows + r / 2] += counts[c][t * rows + r];
                }
            }
        }
        counts = merged;
        rowSize *= 2;
    }

    /** Coarsens until a row holds at least {@code size} blocks (two grids drawn side by side share their rows). */
    void coarsenTo(long size) {
        while (rowSize < size) {
            coarsen();
        }
    }

    /** Adds another grid of the same time bins and row count (its rows may be finer or coarser). */
    void merge(BlockTimeGrid o) {
        while (rowSize < o.rowSize || (o.maxBlock >= 0 && o.maxBlock >= rowSize * rows)) {
            coarsen();
        }
        for (int c = 0; c < CHANNELS; c++) {
            for (int t = 0; t < timeBins; t++) {
                for (int r = 0; r < rows; r++) {
                    int v = o.counts[c][t * rows + r];
                    if (v != 0) {
                        counts[c][t * rows + (int) (r * o.rowSize / rowSize)] += v;
                    }
                }
            }
        }
        maxBlock = Math.max(maxBlock, o.maxBlock);
    }

    /** The same data at half the time bins and half the used rows (for a report that must stay small). */
    BlockTimeGrid halve() {
        BlockTimeGrid h = new BlockTimeGrid(Math.max(1, timeBins / 2), rows);
        h.rowSize = rowSize;
        h.maxBlock = maxBlock;
        for (int c = 0; c < CHANNELS; c++) {
            for (int t = 0; t < timeBins; t++) {
                for (int r = 0; r < rows; r++) {
                    h.counts[c][Math.min(h.timeBins - 1, t / 2) * rows + r] += counts[c][t * rows + r];
                }
            }
        }
        h.coarsen();
        return h;
    }

    int timeBins() {
        return timeBins;
    }

    int rows() {
        return rows;
    }

    /** Blocks per row. */
    long rowSize() {
        return rowSize;
    }

    long maxBlock() {
        return maxBlock;
    }

    /** Rows that hold blocks seen so far (or up to sizeBlocks when the relation is known to be larger). */
    int usedRows(long sizeBlocks) {
        long top = Math.max(maxBlock, sizeBlocks - 1);
        return (int) Math.min(rows, top / rowSize + 1);
    }

    int count(int channel, int timeBin, int row) {
        return counts[channel][timeBin * rows + row];
    }

    /** Hits + misses + extends of a cell. */
    int accesses(int timeBin, int row) {
        int i = timeBin * rows + row;
        return counts[HIT][i] + counts[MISS][i] + counts[EXTEND][i];
    }

    /** The largest sum of {@code channels} in one cell of the first {@code usedRows} rows. */
    long maxCell(int usedRows, int... channels) {
        long max = 0;
        for (int t = 0; t < timeBins; t++) {
            for (int r = 0; r < usedRows; r++) {
                long n = 0;
                for (int c : channels) {
                    n += counts[c][t * rows + r];
                }
                max = Math.max(max, n);
            }
        }
        return max;
    }

    long total(int channel) {
        long sum = 0;
        for (int v : counts[channel]) {
            sum += v;
        }
        return sum;
    }
}
