package io.zcl.runner.faults;

import io.zcl.runner.sim.ChildProcesses;

import static org.assertj.core.api.Assertions.assertThat;

import io.zcl.runner.api.TestResult;
import io.zcl.runner.journal.JournalContents;
import io.zcl.runner.journal.JournalReader;
import io.zcl.runner.journal.JsonlJournalWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process writing the journal is SIGKILLed inside a write(2): the test watches the file grow and
 * kills the writer while its last byte is not yet a newline (the kernel then stops the write at
 * the next page). Every acknowledged record is in the file, the only damage is a torn last line,
 * the reader reports it, and reopening for append (what resume does) cuts it and goes on. A kill
 * that lands just after the write finished leaves nothing to repair; the test then tries again.
 */
class JournalWriterKilledTest {

    private static final Pattern DURABLE = Pattern.compile("DURABLE (\\d+)");

    @TempDir
    Path tmp;

    @Test
    @Timeout(100)
    void aWriterKilledMidLineLeavesOnlyATornTailWhichReopeningCuts() throws Exception {
        int attempts = 0;
        int torn = 0;
        try (ChildProcesses children = new ChildProcesses(tmp.resolve("logs"))) {
            while (torn == 0 && attempts < 5) {
                attempts++;
                Path journal = tmp.resolve("journal-" + attempts + ".jsonl");
                String name = "writer-" + attempts;
                Process writer = children.java(name, JournalWriterProcess.class, 0, journal.toString());
                ChildProcesses.await("2 durable records", Duration.ofSeconds(30), () -> durable(children, name) >= 2);
                ChildProcesses.await("a write half done", Duration.ofSeconds(30), () -> midLine(journal));
                ChildProcesses.kill9(writer);
                long acknowledged = durable(children, name);

                JournalContents read = JournalReader.read(journal);
                assertThat(read.testResults().size()).as("every acknowledged record survives").isGreaterThanOrEqualTo((int) acknowledged);
                assertThat(read.badLines()).hasSizeLessThanOrEqualTo(1);
                if (read.badLines().isEmpty()) {
                    continue; // killed between writes: nothing to repair, try again
                }
                torn++;
                JournalContents.BadLine bad = read.badLines().get(0);
                assertThat(bad.reason()).contains("torn last line");
                assertThat(bad.lineNumber()).isEqualTo(read.testResults().size() + 1);
                long sizeBefore = Files.size(journal);

                try (JsonlJournalWriter reopened = JsonlJournalWriter.open(journal)) {
                    assertThat(reopened.repairReport().repaired()).isTrue();
                    System.out.printf("FIGURE torn_line attempt=%d acknowledged=%d complete=%d cut_bytes=%d of %d%n",
                            attempts, acknowledged, read.testResults().size(), reopened.repairReport().bytesCut(), sizeBefore);
                    reopened.write(new TestResult("torn", "gpu_burn", "all_servers", 0, List.of("after"),
                            TestResult.Verdict.PASS, Map.of(), List.of(), "", List.of(), Instant.now(), 1, "zmq")).join();
                }
                JournalContents after = JournalReader.read(journal);
                assertThat(after.badLines()).isEmpty();
                assertThat(after.testResults()).hasSize(read.testResults().size() + 1);
                assertThat(after.testResults().get(after.testResults().size() - 1).nodes()).containsExactly("after");
            }
        }
        System.out.printf("FIGURE torn_line kills=%d torn=%d%n", attempts, torn);
        assertThat(torn).as("one of %d kills landed inside a write", attempts).isEqualTo(1);
    }

    /** The file ends inside a line: a write is under way (the kernel grows the size page by page). */
    private static boolean midLine(Path file) {
        try (java.io.RandomAccessFile raf = new java.io.RandomAccessFile(file.toFile(), "r")) {
            long size = raf.length();
            if (size == 0) {
                return false;
            }
            raf.seek(size - 1);
            return raf.read() != '\n';
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static long durable(ChildProcesses children, String name) {
        try {
            Matcher m = DURABLE.matcher(children.log(name));
            long last = 0;
            while (m.find()) {
                last = Long.parseLong(m.group(1));
            }
            return last;
        } catch (java.io.IOException e) {
            return 0;
        }
    }
}
