package io.zcl.runner.run;

import io.zcl.runner.api.TestResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Counts one scheduled run and tells the listener; collects the outcome. */
final class ProgressTracker {

    private static final Logger log = LoggerFactory.getLogger(ProgressTracker.class);

    private final ProgressListener listener;
    private final int total;
    private final Map<String, Integer> planOrder = new HashMap<>();
    private final List<TestResult> results = new ArrayList<>();
    private final List<SkippedGroup> skipped = new ArrayList<>();
    private int running;
    private int passed;
    private int failed;
    private int errors;

    ProgressTracker(ProgressListener listener, List<PlannedGroup> plan) {
        this.listener = listener;
        for (int i = 0; i < plan.size(); i++) {
            planOrder.putIfAbsent(orderKey(plan.get(i).round(), plan.get(i).nodes()), i);
        }
        this.total = plan.size();
    }

    void started(PlannedGroup group) {
        Progress now;
        synchronized (this) {
            running++;
            now = snapshot();
        }
        tell(() -> listener.groupStarted(group, now));
    }

    void finished(TestResult result) {
        Progress now;
        synchronized (this) {
            running--;
            results.add(result);
            switch (result.verdict()) {
                case PASS -> passed++;
                case FAIL -> failed++;
                case ERROR -> errors++;
            }
            now = snapshot();
        }
        tell(() -> listener.groupFinished(result, now));
    }

    /** The group started but produced no result (its journal write failed). */
    synchronized void abandoned() {
        running--;
    }

    void skipped(SkippedGroup group) {
        Progress now;
        synchronized (this) {
            skipped.add(group);
            now = snapshot();
        }
        tell(() -> listener.groupSkipped(group, now));
    }

    /** Results and skips in plan order (groups finish in any order). */
    synchronized RunOutcome outcome(String test, String schedule) {
        List<TestResult> ordered = new ArrayList<>(results);
        ordered.sort(Comparator.comparingInt(r -> indexOf(r.round(), r.nodes())));
        List<SkippedGroup> orderedSkips = new ArrayList<>(skipped);
        orderedSkips.sort(Comparator.comparingInt(s -> indexOf(s.group().round(), s.group().nodes())));
        return new RunOutcome(test, schedule, ordered, orderedSkips);
    }

    private int indexOf(int round, List<String> nodes) {
        return planOrder.getOrDefault(orderKey(round, nodes), Integer.MAX_VALUE);
    }

    private static String orderKey(int round, List<String> nodes) {
        return round + "|" + String.join(",", nodes);
    }

    private Progress snapshot() {
        int done = results.size() + skipped.size();
        return new Progress(total, done, running, passed, failed, errors, skipped.size());
    }

    private void tell(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            log.warn("progress listener failed; the run goes on", e);
        }
    }
}
