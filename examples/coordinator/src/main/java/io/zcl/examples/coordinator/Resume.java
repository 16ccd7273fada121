package io.zcl.examples.coordinator;

import io.zcl.runner.api.RunHeader;
import io.zcl.runner.journal.JournalContents;
import io.zcl.runner.journal.JournalReader;
import io.zcl.runner.journal.JsonlJournalWriter;
import io.zcl.runner.journal.RunDirectory;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * {@code zcl run --resume RUN_DIR}: what the earlier, interrupted run left in its folder. Its
 * journal is reopened for appending (which cuts a torn last line); the (test, group) keys already
 * journaled are skipped; the command ids it accounts for tell re-sent RESULTs already recorded
 * from new ones.
 */
final class Resume {

    private Resume() {
    }

    /** The run to resume, read before anything is opened for writing. */
    record Prior(RunDirectory run, Path clusterFile, Path planFile) {
    }

    /** What the reopened journal holds. */
    record State(boolean resumed, Set<String> skipKeys, Set<String> commandIds, int badLines) {
        void describe(Map<String, String> header) {
            if (resumed) {
                header.put("resumed", "true");
                header.put("results_kept", Integer.toString(skipKeys.size()));
            }
        }
    }

    static Prior prior(Path dir) {
        RunDirectory run = RunDirectory.open(dir);
        Path journal = run.journal();
        if (!Files.isRegularFile(journal)) {
            throw new IllegalArgumentException("cannot resume " + dir + ": " + journal
                    + (Files.exists(journal) ? " is not a regular file" : " does not exist"));
        }
        RunHeader header = JournalReader.read(journal).header().orElseThrow(() -> new IllegalArgumentException(
                "cannot resume " + dir + ": its journal has no run header"));
        String cluster = header.settings().get("cluster");
        String plan = header.settings().get("plan");
        return new Prior(run, cluster == null ? null : Path.of(cluster),
                plan == null || plan.equals("default") ? null : Path.of(plan));
    }

    /** After the journal is open (its torn tail cut): what to skip. A fresh run skips nothing. */
    static State state(Prior prior, JsonlJournalWriter journal, PrintWriter err) {
        if (prior == null) {
            return new State(false, Set.of(), Set.of(), 0);
        }
        JournalContents contents = JournalReader.read(journal.file());
        State state = new State(true, contents.resultKeys(), contents.commandIds(), contents.badLines().size());
        err.printf("zcl run: resuming %s: %d (test, group) results kept and skipped%s%s%n", prior.run().runId(),
                state.skipKeys().size(),
                journal.repairReport().repaired() ? "; " + journal.repairReport() : "",
                state.badLines() > 0 ? "; " + state.badLines() + " unreadable line(s) left as they are" : "");
        err.flush();
        return state;
    }
}
