package io.zcl.runner.run;

import io.zcl.runner.api.OutputListener;

import java.util.Objects;
import java.util.Set;

/**
 * How one scheduled run behaves beyond its plan.
 *
 * @param progress  told about groups starting, finishing and being skipped
 * @param output    receives every command's output as it is produced (e.g. a --follow view)
 * @param skipKeys  {@link PlannedGroup#key()}s to skip because they are already journaled (--resume)
 */
public record RunOptions(ProgressListener progress, OutputListener output, Set<String> skipKeys) {

    public RunOptions {
        Objects.requireNonNull(progress, "progress");
        Objects.requireNonNull(output, "output");
        skipKeys = Set.copyOf(skipKeys);
    }

    public static RunOptions defaults() {
        return new RunOptions(ProgressListener.NONE, OutputListener.NONE, Set.of());
    }

    public RunOptions withProgress(ProgressListener listener) {
        return new RunOptions(listener, output, skipKeys);
    }

    public RunOptions withOutput(OutputListener listener) {
        return new RunOptions(progress, listener, skipKeys);
    }

    public RunOptions withSkipKeys(Set<String> keys) {
        return new RunOptions(progress, output, keys);
    }
}
