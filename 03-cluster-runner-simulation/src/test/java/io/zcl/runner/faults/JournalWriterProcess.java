package io.zcl.runner.faults;

import io.zcl.runner.api.TestResult;
import io.zcl.runner.journal.FsyncPolicy;
import io.zcl.runner.journal.JsonlJournalWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A process that only writes the journal: big lines (16 MB each, so one write(2) takes long
 * enough for a test to see it half done and SIGKILL the process inside it). Prints
 * {@code DURABLE n} after each record is acknowledged.
 *
 * <pre>java ... JournalWriterProcess FILE</pre>
 */
public final class JournalWriterProcess {

    private JournalWriterProcess() {
    }

    public static void main(String[] args) {
        // 4 x 4 MB: Jackson refuses a single string over 20 M characters when reading.
        List<String> bulk = java.util.Collections.nCopies(4, "x".repeat(4 << 20));
        try (JsonlJournalWriter journal = JsonlJournalWriter.open(Path.of(args[0]), FsyncPolicy.everyRecord())) {
            for (int n = 1; ; n++) {
                journal.write(new TestResult("torn", "gpu_burn", "all_servers", 0, List.of("node-" + n),
                        TestResult.Verdict.PASS, Map.of(), bulk, "", List.of("cmd-" + n), Instant.now(), 1, "zmq")).join();
                System.out.println("DURABLE " + n);
                System.out.flush();
            }
        }
    }
}
