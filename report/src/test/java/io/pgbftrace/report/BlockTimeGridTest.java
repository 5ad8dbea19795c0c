package io.pgbftrace.report;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The grid keeps every count while rows coarsen, grids merge and the report halves them. */
class BlockTimeGridTest {
    static final int BINS = 8;
    static final int ROWS = 16;

    @Test
    void rowsDoubleWhenABlockBeyondTheLastRowArrives() {
        BlockTimeGrid g = new BlockTimeGrid(BINS, ROWS);
        g.add(0, 0, BlockTimeGrid.HIT);
        g.add(1, 15, BlockTimeGrid.MISS);
        assertEquals(1, g.rowSize());
        g.add(2, 16, BlockTimeGrid.HIT); // needs a 17th row: rows now hold 2 blocks each
        assertEquals(2, g.rowSize());
        assertEquals(1, g.count(BlockTimeGrid.MISS, 1, 7), "block 15 is now in row 7");
        assertEquals(1, g.count(BlockTimeGrid.HIT, 2, 8), "block 16 is in row 8");
        g.add(3, 1000, BlockTimeGrid.WRITE);
        assertEquals(64, g.rowSize(), "the smallest power of two with 16 rows reaching block 1000");
        assertEquals(1, g.count(BlockTimeGrid.WRITE, 3, 1000 / 64));
        assertEquals(2, g.total(BlockTimeGrid.HIT));
        assertEquals(1000, g.maxBlock());
    }

    @Test
    void mergingTwoGridsEqualsFillingOne() {
        Random rnd = new Random(7);
        for (int round = 0; round < 50; round++) {
            BlockTimeGrid a = new BlockTimeGrid(BINS, ROWS);
            BlockTimeGrid b = new BlockTimeGrid(BINS, ROWS);
            BlockTimeGrid both = new BlockTimeGrid(BINS, ROWS);
            // the two halves reach very different blocks, so either may be the coarser one
            int reachA = 1 + rnd.nextInt(rnd.nextBoolean() ? 20 : 5000);
            int reachB = 1 + rnd.nextInt(rnd.nextBoolean() ? 20 : 5000);
            for (int i = 0; i < 300; i++) {
                boolean first = rnd.nextBoolean();
                int bin = rnd.nextInt(BINS);
                long block = rnd.nextInt(first ? reachA : reachB);
                int channel = rnd.nextInt(4);
                (first ? a : b).add(bin, block, channel);
                both.add(bin, block, channel);
            }
            a.merge(b);
            assertSameCells(both, a, "round " + round);
        }
    }

    @Test
    void halvingSumsPairsOfBinsAndRows() {
        BlockTimeGrid g = new BlockTimeGrid(BINS, ROWS);
        Random rnd = new Random(3);
        for (int i = 0; i < 500; i++) {
            g.add(rnd.nextInt(BINS), rnd.nextInt(40), rnd.nextInt(4));
        }
        BlockTimeGrid h = g.halve();
        assertEquals(BINS / 2, h.timeBins());
        assertEquals(g.rowSize() * 2, h.rowSize());
        for (int c = 0; c < 4; c++) {
            assertEquals(g.total(c), h.total(c), "channel " + c);
            for (int t = 0; t < h.timeBins(); t++) {
                for (int r = 0; r < ROWS / 2; r++) {
                    int sum = g.count(c, 2 * t, 2 * r) + g.count(c, 2 * t, 2 * r + 1) + g.count(c, 2 * t + 1, 2 * r)
                            + g.count(c, 2 * t + 1, 2 * r + 1);
                    assertEquals(sum, h.count(c, t, r), "channel " + c + " bin " + t + " row " + r);
                }
            }
        }
    }

    @Test
    void usedRowsCoverTheRelationsSizeOrItsHighestBlock() {
        BlockTimeGrid g = new BlockTimeGrid(BINS, ROWS);
        g.add(0, 3, BlockTimeGrid.HIT);
        assertEquals(4, g.usedRows(0));
        assertEquals(10, g.usedRows(10), "a 10-block relation read only at its start still shows 10 rows");
        assertEquals(ROWS, g.usedRows(1_000_000), "never more rows than the grid has");
    }

    static void assertSameCells(BlockTimeGrid expected, BlockTimeGrid actual, String what) {
        assertEquals(expected.rowSize(), actual.rowSize(), what + ": row size");
        assertEquals(expected.maxBlock(), actual.maxBlock(), what + ": highest block");
        for (int c = 0; c < 4; c++) {
            for (int t = 0; t < BINS; t++) {
                for (int r = 0; r < ROWS; r++) {
                    assertEquals(expected.count(c, t, r), actual.count(c, t, r),
                            what + ": channel " + c + " bin " + t + " row " + r);
                }
            }
        }
    }
}
