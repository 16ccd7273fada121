package io.zcl.examples.coordinator;

import io.zcl.runner.api.TestResult;
import io.zcl.runner.run.PlannedGroup;
import io.zcl.runner.run.Progress;
import io.zcl.runner.run.ProgressListener;
import io.zcl.runner.run.SkippedGroup;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * Progress of a run on stderr. On a terminal one line is redrawn in place; elsewhere (CI logs,
 * pipes) a line is printed when a step finishes and for every failure, so logs stay short.
 */
final class ProgressBar implements ProgressListener {

    private static final int WIDTH = 30;
    private final PrintWriter err;
    private final boolean terminal;
    private final long t0 = System.nanoTime();

    ProgressBar(PrintWriter err, boolean terminal) {
        this.err = err;
        this.terminal = terminal;
    }

    @Override
    public synchronized void groupStarted(PlannedGroup group, Progress p) {
        if (terminal) {
            draw(group.test() + " @ " + group.schedule(), p);
        }
    }

    @Override
    public synchronized void groupFinished(TestResult r, Progress p) {
        if (r.verdict() != TestResult.Verdict.PASS) {
            clearLine();
            err.printf("  %s %s on %s: %s%n", r.verdict(), r.test(), String.join(",", r.nodes()), r.reason());
        }
        if (terminal) {
            draw(r.test() + " @ " + r.schedule(), p);
        } else if (p.done() + p.skipped() == p.total()) {
            err.printf("  %-40s %3d groups: %d pass, %d fail, %d error  (%.1f s)%n", r.test() + " @ " + r.schedule(),
                    p.total(), p.passed(), p.failed(), p.errors(), seconds());
        }
        err.flush();
    }

    @Override
    public synchronized void groupSkipped(SkippedGroup s, Progress p) {
        clearLine();
        err.printf("  skipped %s on %s: %s%n", s.group().test(), String.join(",", s.group().nodes()), s.reason());
        err.flush();
    }

    /** Ends the redrawn line so what follows starts on a fresh one. */
    synchronized void finish() {
        if (terminal) {
            err.println();
            err.flush();
        }
    }

    private void draw(String label, Progress p) {
        int filled = p.total() == 0 ? WIDTH : (int) ((long) WIDTH * (p.done() + p.skipped()) / p.total());
        err.printf(Locale.ROOT, "\r[%s%s] %d/%d  pass %d fail %d err %d  %.1fs  %-40s", "#".repeat(filled),
                ".".repeat(WIDTH - filled), p.done() + p.skipped(), p.total(), p.passed(), p.failed(), p.errors(),
                seconds(), label);
        err.flush();
    }

    private void clearLine() {
        if (terminal) {
            err.print("\r" + " ".repeat(WIDTH + 100) + "\r");
        }
    }

    private double seconds() {
        return (System.nanoTime() - t0) / 1e9;
    }
}
