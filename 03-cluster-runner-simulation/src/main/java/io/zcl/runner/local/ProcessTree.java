package io.zcl.runner.local;

import java.util.List;

/** Kills a process and everything it started, so a timed-out "sh -c 'tool | tee log'" leaves nothing behind. */
final class ProcessTree {

    private ProcessTree() {
    }

    /**
     * Kills the root first (so it cannot start more children), then every process that was below
     * it a moment before, and whatever those have started since. Returns how many were signalled.
     */
    static int kill(ProcessHandle root) {
        List<ProcessHandle> below = root.descendants().toList();
        int killed = root.destroyForcibly() ? 1 : 0;
        for (ProcessHandle child : below) {
            for (ProcessHandle grandchild : child.descendants().toList()) {
                killed += grandchild.destroyForcibly() ? 1 : 0;
            }
            killed += child.destroyForcibly() ? 1 : 0;
        }
        return killed;
    }
}
