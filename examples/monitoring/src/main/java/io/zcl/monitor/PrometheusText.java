package io.zcl.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import io.zcl.runner.events.ClusterState;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders the monitor's state in the Prometheus text exposition format 0.0.4: one HELP and one
 * TYPE line per metric family, then its samples; histograms as cumulative {@code _bucket} samples
 * with an {@code le} label ending at {@code +Inf}, then {@code _sum} and {@code _count}.
 */
final class PrometheusText {

    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private static final List<String> NODE_VIEWS = List.of("up", "busy", "lost", "left", "unknown");
    private static final List<String> VERDICTS = List.of("PASS", "FAIL", "ERROR");

    private final StringBuilder out = new StringBuilder();

    private PrometheusText() {
    }

    static String render(JsonNode s) {
        PrometheusText p = new PrometheusText();
        p.write(s);
        return p.out.toString();
    }

    private void write(JsonNode s) {
        family("zcl_monitor_connected", "gauge", "1 when the monitor follows the event stream (snapshot received, publisher heard within 3 s).");
        sample("zcl_monitor_connected", Map.of(), s.path("monitor").path("connected").asBoolean() ? 1 : 0);

        family("zcl_nodes", "gauge", "Nodes by state: up (idle), busy (running a command), lost (went silent), left (said BYE), unknown (never connected).");
        Map<String, Integer> byView = new LinkedHashMap<>();
        NODE_VIEWS.forEach(v -> byView.put(v, 0));
        for (JsonNode n : s.path("nodes")) {
            byView.merge(n.path("view").asText("unknown"), 1, Integer::sum);
        }
        byView.forEach((view, count) -> sample("zcl_nodes", Map.of("state", view), count));

        family("zcl_node_heartbeat_age_seconds", "gauge", "Time since the coordinator last heard from the node (absent until it connected).");
        for (JsonNode n : s.path("nodes")) {
            long age = n.path("heard_ms_ago").asLong(-1);
            if (age >= 0) {
                sample("zcl_node_heartbeat_age_seconds", labels("node", n.path("id").asText(), "leaf", n.path("leaf").asText()), age / 1000.0);
            }
        }

        family("zcl_commands_in_flight", "gauge", "Commands sent to nodes and not yet answered.");
        sample("zcl_commands_in_flight", Map.of(), s.path("in_flight").asLong());

        family("zcl_command_duration_seconds", "histogram", "Command latency from RUN to RESULT as the coordinator saw it, by transport.");
        s.path("latency").fields().forEachRemaining(e -> {
            JsonNode counts = e.getValue().path("counts");
            long cumulative = 0;
            for (int i = 0; i < counts.size(); i++) {
                cumulative += counts.get(i).asLong();
                String le = i < ClusterState.LATENCY_BUCKETS_S.length ? number(ClusterState.LATENCY_BUCKETS_S[i]) : "+Inf";
                sample("zcl_command_duration_seconds_bucket", labels("transport", e.getKey(), "le", le), cumulative);
            }
            sample("zcl_command_duration_seconds_sum", Map.of("transport", e.getKey()), e.getValue().path("sum_s").asDouble());
            sample("zcl_command_duration_seconds_count", Map.of("transport", e.getKey()), e.getValue().path("count").asLong());
        });

        family("zcl_results_total", "counter", "Test results by test and verdict since the run started.");
        s.path("verdicts").fields().forEachRemaining(t -> {
            for (String v : VERDICTS) {
                sample("zcl_results_total", labels("test", t.getKey(), "verdict", v), t.getValue().path(v).asLong());
            }
        });

        family("zcl_protocol_errors_total", "counter", "Messages from agents that broke the wire protocol.");
        sample("zcl_protocol_errors_total", Map.of(), s.path("protocol_errors").asLong());

        JsonNode j = s.path("journal");
        family("zcl_journal_pending_records", "gauge", "Journal records written and not yet durable (the journal's lag in records).");
        sample("zcl_journal_pending_records", Map.of(), j.path("pending").asLong());
        family("zcl_journal_lag_seconds", "gauge", "Time from write to durable of the latest journal record.");
        sample("zcl_journal_lag_seconds", Map.of(), j.path("last_lag_ms").asLong() / 1000.0);
        family("zcl_journal_max_lag_seconds", "gauge", "Longest time from write to durable of any journal record in this run.");
        sample("zcl_journal_max_lag_seconds", Map.of(), j.path("max_lag_ms").asLong() / 1000.0);
        family("zcl_journal_records_total", "counter", "Journal records written.");
        sample("zcl_journal_records_total", Map.of(), j.path("written").asLong());

        JsonNode p = s.path("progress");
        family("zcl_run_groups_done", "gauge", "Groups finished or skipped in the current run.");
        sample("zcl_run_groups_done", Map.of(), p.path("groups_done").asLong());
        family("zcl_run_groups_known", "gauge", "Groups in the plan steps started so far (later steps are scheduled when they start).");
        sample("zcl_run_groups_known", Map.of(), p.path("groups_total_so_far").asLong());
        family("zcl_run_elapsed_seconds", "gauge", "Time since the current run started.");
        sample("zcl_run_elapsed_seconds", Map.of(), p.path("elapsed_ms").asLong() / 1000.0);
    }

    private static Map<String, String> labels(String k1, String v1, String k2, String v2) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(k1, v1);
        m.put(k2, v2);
        return m;
    }

    private void family(String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help.replace("\\", "\\\\").replace("\n", "\\n")).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private void sample(String name, Map<String, String> labels, double value) {
        out.append(name);
        if (!labels.isEmpty()) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<String, String> l : labels.entrySet()) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                out.append(l.getKey()).append("=\"").append(escape(l.getValue())).append('"');
            }
            out.append('}');
        }
        out.append(' ').append(number(value)).append('\n');
    }

    static String escape(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    static String number(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return String.format(Locale.ROOT, "%s", v);
    }
}
