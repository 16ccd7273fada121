package io.zcl.runner.journal;

import java.time.Duration;
import java.util.Objects;

/**
 * When the journal writer calls fsync (FileChannel.force), and therefore when a write's future
 * completes. Every record is handed to the OS (write(2)) as soon as the writer takes it, so a
 * crash of this process alone never loses an acknowledged record under any policy; the policy
 * decides what survives a machine crash or power loss.
 *
 * @param mode     which rule applies
 * @param records  for {@link Mode#RECORDS}: at most this many records share one fsync
 * @param interval for {@link Mode#INTERVAL}: a written record waits at most this long for its fsync
 */
public record FsyncPolicy(Mode mode, int records, Duration interval) {

    public enum Mode {
        /**
         * fsync after every {@code records} records, and also whenever the queue runs empty (group
         * commit: under load many records share an fsync; a lone record is not kept waiting for
         * company). The future completes after the fsync covering the record.
         */
        RECORDS,
        /**
         * fsync when the oldest not-yet-synced record is {@code interval} old. The future completes
         * after that fsync, so a lone record waits up to the interval for its acknowledgement.
         */
        INTERVAL,
        /**
         * fsync only on {@link JsonlJournalWriter#flush()} and close. The future completes once the
         * record is written to the OS: it survives a crash of this process, not of the machine.
         */
        CLOSE
    }

    public FsyncPolicy {
        Objects.requireNonNull(mode, "mode");
        if (mode == Mode.RECORDS && records < 1) {
            throw new IllegalArgumentException("fsync every N records needs N >= 1, got " + records);
        }
        if (mode == Mode.INTERVAL && (interval == null || interval.isNegative() || interval.isZero())) {
            throw new IllegalArgumentException("fsync interval must be positive, got " + interval);
        }
    }

    /** The safest policy and the default: each record is on disk before its future completes. */
    public static FsyncPolicy everyRecord() {
        return everyRecords(1);
    }

    public static FsyncPolicy everyRecords(int records) {
        return new FsyncPolicy(Mode.RECORDS, records, null);
    }

    public static FsyncPolicy every(Duration interval) {
        return new FsyncPolicy(Mode.INTERVAL, 0, interval);
    }

    public static FsyncPolicy onlyAtClose() {
        return new FsyncPolicy(Mode.CLOSE, 0, null);
    }

    /** Parses what {@link #toString()} prints: "records:N", "ms:T" or "close" (for -D settings and CLIs). */
    public static FsyncPolicy parse(String text) {
        String t = text.strip();
        try {
            if (t.equals("close")) {
                return onlyAtClose();
            }
            if (t.startsWith("records:")) {
                return everyRecords(Integer.parseInt(t.substring(8)));
            }
            if (t.startsWith("ms:")) {
                return every(Duration.ofMillis(Long.parseLong(t.substring(3))));
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("fsync policy '" + text + "': not a number after ':'", e);
        }
        throw new IllegalArgumentException("fsync policy '" + text + "': expected records:N, ms:T or close");
    }

    @Override
    public String toString() {
        return switch (mode) {
            case RECORDS -> "records:" + records;
            case INTERVAL -> "ms:" + interval.toMillis();
            case CLOSE -> "close";
        };
    }
}
