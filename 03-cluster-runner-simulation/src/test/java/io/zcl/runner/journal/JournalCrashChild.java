package io.zcl.runner.journal;

import java.nio.file.Path;

/**
 * Child JVM for {@link JournalCrashSafetyTest}: appends results as fast as the journal accepts
 * them, fsync per record, and prints each sequence number once its write is acknowledged. The
 * test kills it mid-stream; every number printed must then be in the file.
 */
public final class JournalCrashChild {

    public static void main(String[] args) {
        JsonlJournalWriter journal = JsonlJournalWriter.open(Path.of(args[0]), FsyncPolicy.everyRecord(), 64);
        for (int seq = 0; ; seq++) {
            int acked = seq;
            journal.write(Records.result(seq)).thenRun(() -> {
                System.out.println(acked);
                System.out.flush();
            });
        }
    }
}
