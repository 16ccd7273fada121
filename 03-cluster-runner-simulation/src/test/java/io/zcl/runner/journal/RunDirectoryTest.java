package io.zcl.runner.journal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RunDirectoryTest {

    private static final Clock AT = Clock.fixed(Instant.parse("2026-11-28T15:30:12.7Z"), ZoneOffset.UTC);

    @TempDir
    Path runs;

    @Test
    void createsATimestampedFolderWithFixedFileNamesAndALatestLink() {
        RunDirectory run = RunDirectory.create(runs, AT);

        assertThat(run.runId()).isEqualTo("20261128-153012");
        assertThat(run.dir()).isDirectory().hasParent(runs);
        assertThat(run.journal()).isEqualTo(runs.resolve("20261128-153012/journal.jsonl"));
        assertThat(run.summary().getFileName()).hasToString("summary.md");
        assertThat(run.file("bw.svg")).isEqualTo(run.dir().resolve("bw.svg"));
        assertThat(Files.isSymbolicLink(runs.resolve("latest"))).isTrue();
        assertThat(RunDirectory.latest(runs)).hasValueSatisfying(l -> assertThat(l.dir()).isEqualTo(run.dir()));
    }

    @Test
    void twoRunsInOneSecondGetDistinctFoldersAndLatestFollows() {
        RunDirectory first = RunDirectory.create(runs, AT);
        RunDirectory second = RunDirectory.create(runs, AT);
        RunDirectory third = RunDirectory.create(runs, AT);

        assertThat(first.runId()).isEqualTo("20261128-153012");
        assertThat(second.runId()).isEqualTo("20261128-153012-2");
        assertThat(third.runId()).isEqualTo("20261128-153012-3");
        assertThat(RunDirectory.latest(runs)).hasValueSatisfying(l -> assertThat(l.runId()).isEqualTo(third.runId()));
    }

    @Test
    void withoutSymlinksLatestIsATextFileNamingTheRun() throws IOException {
        RunDirectory first = RunDirectory.create(runs, AT);
        RunDirectory second = RunDirectory.create(runs, AT);

        first.markLatest(false);

        assertThat(Files.isSymbolicLink(runs.resolve("latest"))).isFalse();
        assertThat(runs.resolve("latest")).hasContent(first.runId());
        assertThat(RunDirectory.latest(runs)).hasValueSatisfying(l -> assertThat(l.runId()).isEqualTo(first.runId()));
        second.markLatest(true);
        assertThat(Files.isSymbolicLink(runs.resolve("latest"))).isTrue();
        try (var entries = Files.list(runs)) {
            assertThat(entries.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(
                    first.runId(), second.runId(), "latest");
        }
    }

    @Test
    void noLatestBeforeTheFirstRunAndOnlyPlainFileNames() {
        assertThat(RunDirectory.latest(runs)).isEmpty();
        RunDirectory run = RunDirectory.create(runs, AT);
        assertThatThrownBy(() -> run.file("../escape")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> run.file("..")).isInstanceOf(IllegalArgumentException.class);
    }
}
