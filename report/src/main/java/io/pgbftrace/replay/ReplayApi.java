package io.pgbftrace.replay;

import java.util.List;

/**
 * The replay's JSON answers as types: each record is one documented contract of docs/replay.md, written by
 * Jackson with its components as field names, in this order.
 */
final class ReplayApi {
    private ReplayApi() {
    }

    /** {@code GET /api/session}. */
    record Session(String title, String description, String lookFor, String postgres, String ioMethod,
                   String sharedBuffers, Integer blockSize,
                   String source, String startWall, double duration, long events, int batches, boolean ended,
                   boolean following, boolean live, String status, String damage, String error, double speed,
                   boolean markersReady, double markersProgress, long lostEvents, String toolVersion,
                   String aggregation) {
    }

    /** One element of {@code GET /api/relations}. */
    record Relation(int id, String name, String database, String kind, boolean index, boolean system,
                    String parent, Long sizeBlocks, long blocks, long cellBlocks, Double appearsAt) {
    }

    /** {@code GET /api/markers}. */
    record Markers(boolean ready, long dropped, List<Marker> markers) {
    }

    /** A query or checkpoint on the timeline; {@code t} in seconds from the session start. */
    record Marker(double t, String kind, int pid, String text, long value) {
    }

    /** {@code GET /api/next?after=S}: the time of the first event after S, null when there is none. */
    record Next(Double t) {
    }

    /** Every 4xx/5xx answer. */
    record Error(String error) {
    }
}
