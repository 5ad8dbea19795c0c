package io.pgbftrace.session;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class StatementsTest {
    private static Event hit(long t, int pid) {
        return Event.access(EventKind.HIT, t, pid, 5, 1663, 16384, 0, 1, false);
    }

    @Test
    void constantsBecomeParametersAndWhitespaceCollapses() {
        assertEquals("SELECT * FROM t1 WHERE a = $1 AND b = $2 AND c IN ($3, $4)",
                Statements.normalize("SELECT *  FROM t1\n WHERE a = 42 AND b = 'it''s' AND c IN (1.5, 2);"));
        assertEquals("SELECT v FROM q WHERE id = $1 AND x = $2",
                Statements.normalize("SELECT v FROM q WHERE id = $1 AND x = E'\\\\n'"));
        assertEquals("SELECT \"col 1\" FROM t", Statements.normalize("SELECT \"col 1\" FROM t -- note 7"));
    }

    @Test
    void aWorkersShareCountsForItsLeadersStatementEvenWhenItArrivesLate() {
        List<Statements.Execution> done = new ArrayList<>();
        Statements s = new Statements(done::add);
        s.event(Event.query(100, 1, "select 1"));
        s.event(hit(110, 1));
        s.event(Event.marker(EventKind.QUERY_DONE, 200, 1, 0));
        s.event(Event.query(300, 1, "select 2"));
        s.event(hit(310, 1));
        // the worker ran during the first statement; its events come after the second statement began
        s.event(Event.marker(EventKind.WORKER_START, 120, 9, 1));
        s.event(hit(130, 9));
        s.event(hit(140, 9));
        s.event(Event.marker(EventKind.WORKER_DONE, 150, 9, 0));
        s.event(hit(160, 9)); // after its share: the worker's own shutdown
        s.event(Event.marker(EventKind.QUERY_DONE, 400, 1, 0));
        s.finish();
        assertEquals(2, done.size());
        assertEquals(3, done.get(0).hits());
        assertEquals(1, done.get(1).hits());
        assertEquals(100, done.get(0).durationNs());
        assertEquals(1, s.outside().hits());
    }

    @Test
    void aBackendsAccessThatArrivesAfterItsNextStatementBeganCountsForTheOneItRanIn() {
        List<Statements.Execution> done = new ArrayList<>();
        Statements s = new Statements(done::add);
        s.event(Event.query(100, 1, "select 1"));
        s.event(hit(110, 1));
        s.event(Event.marker(EventKind.QUERY_DONE, 200, 1, 0));
        s.event(Event.query(300, 1, "select 2"));
        s.event(hit(190, 1)); // from another CPU's buffer: it ran in the first statement
        s.event(hit(250, 1)); // between the two: no statement's
        s.event(hit(310, 1));
        s.event(Event.marker(EventKind.QUERY_DONE, 400, 1, 0));
        s.finish();
        assertEquals(List.of(2L, 1L), done.stream().map(Statements.Execution::hits).toList());
        assertEquals(1, s.outside().hits());
    }
}
