package io.zcl.runner.plan;

import io.zcl.runner.api.NodeEvent;
import io.zcl.runner.api.RunHeader;
import io.zcl.runner.api.TestResult;
import io.zcl.runner.journal.JournalContents;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * summary.md of a run, built from its journal alone (so a report can be re-made from any
 * journal, including one from a crashed run): per-step counts, every failure with the nodes to
 * blame and why, and the figures of every group.
 */
public final class SummaryReport {

    private SummaryReport() {
    }

    public static String markdown(JournalContents journal) {
        StringBuilder md = new StringBuilder();
        RunHeader h = journal.header().orElse(null);
        List<TestResult> results = journal.testResults();
        md.append("# Run ").append(h == null ? "(no header)" : h.runId()).append("\n\n");
        if (h != null) {
            md.append("- transport: ").append(h.transport()).append('\n');
            md.append("- started: ").append(h.startedAt()).append('\n');
            md.append("- nodes: ").append(h.nodes().size()).append(" (").append(String.join(", ", h.nodes())).append(")\n");
            h.settings().forEach((k, v) -> md.append("- ").append(k).append(": ").append(v).append('\n'));
        }
        long pass = count(results, TestResult.Verdict.PASS);
        long fail = count(results, TestResult.Verdict.FAIL);
        long error = count(results, TestResult.Verdict.ERROR);
        md.append("- results: ").append(results.size()).append(" (").append(pass).append(" pass, ")
                .append(fail).append(" fail, ").append(error).append(" error)\n");
        if (!journal.badLines().isEmpty()) {
            md.append("- unreadable journal lines: ").append(journal.badLines().size()).append('\n');
        }

        md.append("\n## Steps\n\n| test | schedule | groups | pass | fail | error |\n|---|---|---:|---:|---:|---:|\n");
        Map<String, List<TestResult>> bySteps = new LinkedHashMap<>();
        for (TestResult r : results) {
            bySteps.computeIfAbsent(r.test() + "|" + r.schedule(), k -> new ArrayList<>()).add(r);
        }
        bySteps.forEach((key, rs) -> {
            String[] ts = key.split("\\|");
            md.append("| ").append(ts[0]).append(" | ").append(ts[1]).append(" | ").append(rs.size()).append(" | ")
                    .append(count(rs, TestResult.Verdict.PASS)).append(" | ").append(count(rs, TestResult.Verdict.FAIL))
                    .append(" | ").append(count(rs, TestResult.Verdict.ERROR)).append(" |\n");
        });

        List<TestResult> failures = results.stream().filter(r -> r.verdict() != TestResult.Verdict.PASS).toList();
        md.append("\n## Failures\n\n");
        if (failures.isEmpty()) {
            md.append("None.\n");
        } else {
            md.append("| test | schedule | nodes | verdict | blamed | reason |\n|---|---|---|---|---|---|\n");
            for (TestResult r : failures) {
                md.append("| ").append(r.test()).append(" | ").append(r.schedule()).append(" | ")
                        .append(String.join(", ", r.nodes())).append(" | ").append(r.verdict()).append(" | ")
                        .append(String.join(", ", r.failedNodes())).append(" | ").append(cell(r.reason())).append(" |\n");
            }
        }

        List<NodeEvent> events = journal.nodeEvents();
        if (!events.isEmpty()) {
            md.append("\n## Node events\n\n| at | node | event | detail |\n|---|---|---|---|\n");
            for (NodeEvent e : events) {
                md.append("| ").append(e.at()).append(" | ").append(e.nodeId()).append(" | ").append(e.kind())
                        .append(" | ").append(cell(e.detail())).append(" |\n");
            }
        }

        md.append("\n## All results\n\n| test | schedule | round | nodes | verdict | figures | ms |\n|---|---|---:|---|---|---|---:|\n");
        for (TestResult r : results) {
            md.append("| ").append(r.test()).append(" | ").append(r.schedule()).append(" | ").append(r.round())
                    .append(" | ").append(String.join(", ", r.nodes())).append(" | ").append(r.verdict()).append(" | ")
                    .append(figures(r)).append(" | ").append(r.durationMs()).append(" |\n");
        }
        return md.toString();
    }

    /** The group-level figures (per-node ones, named "metric.node", are left to the journal). */
    static String figures(TestResult r) {
        List<String> parts = new ArrayList<>();
        r.metrics().forEach((k, v) -> {
            if (!k.contains(".")) {
                parts.add(k + "=" + String.format(Locale.ROOT, v == Math.rint(v) ? "%.0f" : "%.2f", v));
            }
        });
        return String.join(" ", parts);
    }

    private static long count(List<TestResult> rs, TestResult.Verdict v) {
        return rs.stream().filter(r -> r.verdict() == v).count();
    }

    private static String cell(String s) {
        return s.replace("|", "\\|").replace("\n", " ");
    }
}
