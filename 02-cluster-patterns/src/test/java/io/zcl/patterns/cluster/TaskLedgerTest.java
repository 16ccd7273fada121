package io.zcl.patterns.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.zcl.patterns.cluster.TaskLedger.Outcome;
import io.zcl.patterns.cluster.TaskLedger.Task;
import io.zcl.patterns.protocol.Messages.TaskResult;
import org.junit.jupiter.api.Test;

class TaskLedgerTest {

    private static final TaskResult OK = new TaskResult(0, "ok", 1);

    private static TaskLedger ledgerWith(int n) {
        TaskLedger ledger = new TaskLedger();
        Tasks.squares(n, 0).forEach(ledger::add);
        return ledger;
    }

    @Test
    void theTaskOfADeadWorkerGoesBackToTheFrontOfTheQueue() {
        TaskLedger ledger = ledgerWith(3);
        assertThat(ledger.dispatch("w1")).map(Task::id).contains("t-001");
        assertThat(ledger.dispatch("w2")).map(Task::id).contains("t-002");

        assertThat(ledger.requeue("t-001", "w1")).isTrue();

        assertThat(ledger.dispatch("w3")).map(Task::id).contains("t-001");
        assertThat(ledger.dispatch("w3")).map(Task::id).contains("t-003");
        assertThat(ledger.requeuedCount()).isEqualTo(1);
    }

    @Test
    void aTaskRunTwiceIsCountedOnce() {
        TaskLedger ledger = ledgerWith(1);
        ledger.dispatch("w1");
        ledger.requeue("t-001", "w1");
        ledger.dispatch("w2");

        assertThat(ledger.complete("t-001", OK)).isEqualTo(Outcome.ACCEPTED);
        // The first worker was only slow, not dead: its result arrives after all.
        assertThat(ledger.complete("t-001", OK)).isEqualTo(Outcome.DUPLICATE);

        assertThat(ledger.doneCount()).isEqualTo(1);
        assertThat(ledger.duplicatesDropped()).isEqualTo(1);
        assertThat(ledger.allDone()).isTrue();
    }

    @Test
    void aLateResultBeforeTheReRunMakesTheReRunUnnecessary() {
        TaskLedger ledger = ledgerWith(2);
        ledger.dispatch("w1");
        ledger.requeue("t-001", "w1");

        assertThat(ledger.complete("t-001", OK)).isEqualTo(Outcome.ACCEPTED);

        assertThat(ledger.dispatch("w2")).map(Task::id).contains("t-002");
        assertThat(ledger.hasPending()).isFalse();
    }

    @Test
    void requeueIgnoresTasksThatAreDoneOrNowBelongToAnotherWorker() {
        TaskLedger ledger = ledgerWith(2);
        ledger.dispatch("w1");
        ledger.complete("t-001", OK);
        ledger.dispatch("w1");
        ledger.requeue("t-002", "w1");
        ledger.dispatch("w2");

        assertThat(ledger.requeue("t-001", "w1")).as("done").isFalse();
        assertThat(ledger.requeue("t-002", "w1")).as("moved to w2").isFalse();
        assertThat(ledger.inFlightCount()).isEqualTo(1);
    }

    @Test
    void aResultForATaskItNeverHadIsUnknown() {
        TaskLedger ledger = ledgerWith(1);

        assertThat(ledger.complete("t-999", OK)).isEqualTo(Outcome.UNKNOWN);
        assertThat(ledger.doneCount()).isZero();
    }
}
