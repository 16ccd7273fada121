package io.zcl.runner.journal;

import java.nio.file.Path;

/**
 * What opening a journal did to its tail.
 *
 * @param file     the journal
 * @param bytesCut how many bytes were truncated from the end (0 when the tail was whole)
 * @param reason   why, e.g. "last line has no newline"; empty when nothing was cut
 */
public record RepairReport(Path file, long bytesCut, String reason) {

    public static RepairReport clean(Path file) {
        return new RepairReport(file, 0, "");
    }

    public boolean repaired() {
        return bytesCut > 0;
    }

    @Override
    public String toString() {
        return repaired() ? "journal " + file + ": cut " + bytesCut + " bytes from the end (" + reason + ")"
                : "journal " + file + ": tail intact";
    }
}
