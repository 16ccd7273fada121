package io.zcl.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The dashboard as plain text, for {@code zcl monitor --tui}: progress, nodes by leaf, latest results. */
final class TextTable {

    private TextTable() {
    }

    static String render(JsonNode s, int maxResults) {
        StringBuilder b = new StringBuilder();
        JsonNode run = s.path("run");
        JsonNode p = s.path("progress");
        JsonNode m = s.path("monitor");
        b.append(String.format(Locale.ROOT, "zcl monitor  %s  events %s%n", m.path("connected").asBoolean() ? "connected" : "NOT CONNECTED",
                m.path("events").asText()));
        b.append(String.format(Locale.ROOT, "run %s  transport %s  cluster %s%n", blank(run.path("run_id").asText()),
                blank(run.path("transport").asText()), blank(s.path("cluster").asText())));
        b.append(String.format(Locale.ROOT, "progress %d/%d groups  step %d/%d  elapsed %s  ETA %s%s  in flight %d  protocol errors %d%n",
                p.path("groups_done").asInt(), p.path("groups_total_so_far").asInt(), p.path("steps_seen").asInt(),
                p.path("steps_planned").asInt(), duration(p.path("elapsed_ms").asLong()), duration(p.path("eta_ms").asLong()),
                p.path("finished").asBoolean() ? "  (finished)" : "", s.path("in_flight").asLong(), s.path("protocol_errors").asLong()));
        b.append('\n');
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"LEAF", "NODE", "STATE", "HB AGE", "RUNNING", "DONE", "DETAIL"});
        for (JsonNode n : s.path("nodes")) {
            long age = n.path("heard_ms_ago").asLong(-1);
            rows.add(new String[] {n.path("leaf").asText(), n.path("id").asText(), n.path("view").asText(),
                    age < 0 ? "-" : String.format(Locale.ROOT, "%.1f s", age / 1000.0),
                    Integer.toString(n.path("running").size()), n.path("commands_done").asText(),
                    n.path("view").asText().equals("lost") ? n.path("detail").asText() : ""});
        }
        table(b, rows);
        b.append('\n');
        rows = new ArrayList<>();
        rows.add(new String[] {"VERDICT", "TEST", "SCHEDULE", "NODES", "FIGURE", "REASON"});
        int i = 0;
        for (JsonNode r : s.path("results")) {
            if (i++ >= maxResults) {
                break;
            }
            List<String> nodes = new ArrayList<>();
            r.path("nodes").forEach(n -> nodes.add(n.asText()));
            rows.add(new String[] {r.path("verdict").asText(), r.path("test").asText(), r.path("schedule").asText(),
                    String.join(",", nodes), figure(r.path("metrics")), r.path("reason").asText()});
        }
        if (rows.size() == 1) {
            b.append("no results yet\n");
        } else {
            b.append("latest results (newest first)\n");
            table(b, rows);
        }
        return b.toString();
    }

    private static String figure(JsonNode metrics) {
        for (String k : List.of("busbw_gbps", "bw_avg_gbps", "gflops_min")) {
            if (metrics.has(k)) {
                return String.format(Locale.ROOT, "%s=%.1f", k, metrics.path(k).asDouble());
            }
        }
        return "";
    }

    private static String blank(String s) {
        return s.isEmpty() ? "-" : s;
    }

    static String duration(long ms) {
        if (ms < 0) {
            return "?";
        }
        if (ms < 60_000) {
            return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
        }
        return String.format(Locale.ROOT, "%d min %02d s", ms / 60_000, (ms / 1000) % 60);
    }

    private static void table(StringBuilder b, List<String[]> rows) {
        int cols = rows.get(0).length;
        int[] width = new int[cols];
        for (String[] r : rows) {
            for (int c = 0; c < cols; c++) {
                width[c] = Math.max(width[c], r[c].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < cols; c++) {
                line.append(c == cols - 1 ? r[c] : String.format("%-" + width[c] + "s  ", r[c]));
            }
            b.append(line.toString().stripTrailing()).append('\n');
        }
    }
}
