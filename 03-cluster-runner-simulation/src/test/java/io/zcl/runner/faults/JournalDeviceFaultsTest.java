package io.zcl.runner.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zcl.runner.journal.JournalException;
import io.zcl.runner.journal.JsonlJournalWriter;
import io.zcl.runner.plan.Plan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The journal on a full device (/dev/full: ENOSPC for real, root included) or where nothing can be created. */
class JournalDeviceFaultsTest {

    @Test
    @Timeout(30)
    void aFullDeviceStopsTheRunBeforeAnyCommandWithTheKernelsReason() {
        try (FaultRun run = new FaultRun(2, 250, 1000, Path.of("/dev/full"))) {
            assertThatThrownBy(() -> run.runAsync(new Plan(List.of(new Plan.Step("gpu_burn", "all_servers")))).join())
                    .hasRootCauseInstanceOf(java.io.IOException.class)
                    .rootCause().hasMessageContaining("No space left on device");
            assertThat(run.coordinator.stats().runsSent()).isZero();
        }
    }

    @Test
    void aJournalThatCannotBeCreatedIsOneClearError() {
        Path journal = Path.of("/proc/zcl-journal-" + ProcessHandle.current().pid() + ".jsonl");
        assertThatThrownBy(() -> JsonlJournalWriter.open(journal))
                .isInstanceOf(JournalException.class)
                .hasMessageContaining("journal " + journal + ": cannot open for appending");
        assertThat(Files.exists(journal)).isFalse();
    }
}
