package io.zcl.runner.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the event stream says about a cluster and its run, folded from events: the publisher keeps
 * one to answer snapshot requests, every subscriber keeps one (rebuilt from the snapshot, then
 * moved forward by each update). The same {@link #apply} runs on both sides, so a subscriber that
 * joins late sees what one that was there from the start sees.
 *
 * <p>Events and the snapshot are JSON objects (see docs/wire-protocol.md, "Event stream"). All
 * methods are synchronized: the subscriber's thread applies, HTTP threads read.
 */
public final class ClusterState {

    /** Latest results kept (older ones only count in the totals). */
    public static final int KEPT_RESULTS = 200;

    /** Upper bounds (seconds) of the command latency histogram buckets; +Inf is implied. */
    public static final double[] LATENCY_BUCKETS_S = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

    /** Metrics that give a pair's bandwidth, by test: the heatmap's figures. */
    static final Map<String, String> PAIR_BANDWIDTH_METRIC = Map.of(
            "nccl_all_reduce", "busbw_gbps",
            "ib_write_bw", "bw_avg_gbps");

    private static final ObjectMapper JSON = new ObjectMapper();

    static final class Node {
        final String id;
        String leaf = "";
        String state = "unknown"; // unknown (never connected), up, lost (went silent), left (said BYE)
        String detail = "";
        long changedAtMs;
        long heardAgoMs = -1;
        final Set<String> running = new LinkedHashSet<>();
        long commandsDone;

        Node(String id) {
            this.id = id;
        }
    }

    static final class Step {
        final String test;
        final String schedule;
        int total;
        int done;
        int running;
        int passed;
        int failed;
        int errors;
        int skipped;
        long startedAtMs;
        long lastAtMs;

        Step(String test, String schedule) {
            this.test = test;
            this.schedule = schedule;
        }
    }

    static final class Histogram {
        final long[] counts = new long[LATENCY_BUCKETS_S.length + 1];
        double sum;
        long count;

        void observe(double seconds) {
            int i = 0;
            while (i < LATENCY_BUCKETS_S.length && seconds > LATENCY_BUCKETS_S[i]) {
                i++;
            }
            counts[i]++;
            sum += seconds;
            count++;
        }
    }

    static final class Cell {
        double last;
        double min = Double.MAX_VALUE;
        double sum;
        long count;
        boolean failed;
    }

    private long seq;
    private long lastEventAtMs;
    private String cluster = "";
    private String runId = "";
    private String transport = "";
    private long runStartedAtMs;
    private long runFinishedAtMs;
    private final List<String> plan = new ArrayList<>();
    private final Map<String, String> settings = new LinkedHashMap<>();
    private final Map<String, Node> nodes = new LinkedHashMap<>();
    private final List<String> leaves = new ArrayList<>();
    private final List<Step> steps = new ArrayList<>();
    private final Deque<ObjectNode> results = new ArrayDeque<>();
    private final Map<String, Map<String, Long>> verdicts = new TreeMap<>(); // test -> verdict -> count
    private final Map<String, Histogram> latency = new TreeMap<>(); // transport -> histogram
    private final Map<String, Map<String, Cell>> heatmap = new TreeMap<>(); // test -> "leafA|leafB" -> cell
    private long protocolErrors;
    private final Deque<ObjectNode> lastProtocolErrors = new ArrayDeque<>();
    private long inFlight;
    private long journalPending;
    private long journalWritten;
    private long journalDurable;
    private long journalLastLagMs;
    private long journalMaxLagMs;

    /** The sequence number of the last event applied (0 before any). */
    public synchronized long seq() {
        return seq;
    }

    /**
     * Moves the state forward by one event (an object with "type" and "seq"). Unknown types are
     * ignored, so an older monitor can follow a newer publisher.
     */
    public synchronized void apply(JsonNode event) {
        seq = event.path("seq").asLong(seq + 1);
        long at = event.path("at").asLong(System.currentTimeMillis());
        lastEventAtMs = at;
        switch (event.path("type").asText()) {
            case "cluster" -> {
                cluster = event.path("name").asText("");
                for (JsonNode n : event.path("nodes")) {
                    Node node = node(n.path("id").asText());
                    node.leaf = n.path("leaf").asText("");
                    if (!node.leaf.isEmpty() && !leaves.contains(node.leaf)) {
                        leaves.add(node.leaf);
                    }
                }
            }
            case "run" -> {
                runId = event.path("run_id").asText("");
                transport = event.path("transport").asText("");
                runStartedAtMs = event.path("started_at").asLong(at);
                runFinishedAtMs = 0;
                plan.clear();
                event.path("plan").forEach(p -> plan.add(p.asText()));
                settings.clear();
                event.path("settings").fields().forEachRemaining(e -> settings.put(e.getKey(), e.getValue().asText()));
                steps.clear();
                for (JsonNode n : event.path("nodes")) {
                    node(n.asText());
                }
            }
            case "run_end" -> runFinishedAtMs = at;
            case "node_up" -> {
                Node n = node(event.path("node").asText());
                n.state = "up";
                n.detail = event.path("detail").asText("");
                n.changedAtMs = at;
                n.heardAgoMs = event.path("heartbeats").asBoolean(true) ? 0 : -1; // false: no coordinator to hear it
            }
            case "node_lost" -> {
                Node n = node(event.path("node").asText());
                n.detail = event.path("reason").asText("");
                // A node that said BYE left on purpose (agent stopped); one that went silent is lost.
                n.state = n.detail.startsWith("agent said BYE") ? "left" : "lost";
                n.changedAtMs = at;
            }
            case "cmd_start" -> node(event.path("node").asText()).running.add(event.path("cmd").asText());
            case "cmd_end" -> {
                Node n = node(event.path("node").asText());
                n.running.remove(event.path("cmd").asText());
                n.commandsDone++;
                String t = event.path("transport").asText("unknown");
                latency.computeIfAbsent(t, k -> new Histogram()).observe(event.path("ms").asDouble() / 1000.0);
            }
            case "group_start" -> progress(event, at);
            case "skip" -> progress(event, at);
            case "result" -> {
                progress(event, at);
                ObjectNode r = ((ObjectNode) event.path("result")).deepCopy();
                results.addLast(r);
                while (results.size() > KEPT_RESULTS) {
                    results.removeFirst();
                }
                String test = r.path("test").asText();
                verdicts.computeIfAbsent(test, k -> new TreeMap<>())
                        .merge(r.path("verdict").asText(), 1L, Long::sum);
                heatmap(r);
            }
            case "protocol_error" -> {
                protocolErrors++;
                lastProtocolErrors.addLast(((ObjectNode) event).deepCopy());
                while (lastProtocolErrors.size() > 20) {
                    lastProtocolErrors.removeFirst();
                }
            }
            case "tick" -> {
                inFlight = event.path("in_flight").asLong(inFlight);
                event.path("heard_ms_ago").fields().forEachRemaining(e -> node(e.getKey()).heardAgoMs = e.getValue().asLong());
                JsonNode j = event.path("journal");
                if (!j.isMissingNode()) {
                    journalPending = j.path("pending").asLong();
                    journalWritten = j.path("written").asLong();
                    journalDurable = j.path("durable").asLong();
                    journalLastLagMs = j.path("last_lag_ms").asLong();
                    journalMaxLagMs = j.path("max_lag_ms").asLong();
                }
            }
            default -> {
                // a newer publisher's event: nothing to fold
            }
        }
    }

    private Node node(String id) {
        return nodes.computeIfAbsent(id, Node::new);
    }

    private void progress(JsonNode event, long at) {
        JsonNode p = event.path("progress");
        String test = event.path("test").asText();
        String schedule = event.path("schedule").asText();
        Step step = steps.isEmpty() ? null : steps.get(steps.size() - 1);
        // A new step starts when the test or schedule changes, or when a finished step's counts
        // start again (the plan runs the same test on the same schedule twice in a row).
        boolean restarted = step != null && step.done == step.total
                && p.path("done").asInt() + p.path("running").asInt() <= 1 && step.total > 1;
        if (step == null || !step.test.equals(test) || !step.schedule.equals(schedule) || restarted) {
            step = new Step(test, schedule);
            step.startedAtMs = at;
            steps.add(step);
        }
        step.total = p.path("total").asInt();
        step.done = p.path("done").asInt();
        step.running = p.path("running").asInt();
        step.passed = p.path("passed").asInt();
        step.failed = p.path("failed").asInt();
        step.errors = p.path("errors").asInt();
        step.skipped = p.path("skipped").asInt();
        step.lastAtMs = at;
    }

    private void heatmap(JsonNode r) {
        String test = r.path("test").asText();
        String metric = PAIR_BANDWIDTH_METRIC.get(test);
        JsonNode nodesOf = r.path("nodes");
        if (metric == null || nodesOf.size() != 2) {
            return;
        }
        JsonNode value = r.path("metrics").path(metric);
        String a = node(nodesOf.get(0).asText()).leaf;
        String b = node(nodesOf.get(1).asText()).leaf;
        if (a.isEmpty() || b.isEmpty()) {
            return;
        }
        String key = a.compareTo(b) <= 0 ? a + "|" + b : b + "|" + a;
        Cell c = heatmap.computeIfAbsent(test, k -> new TreeMap<>()).computeIfAbsent(key, k -> new Cell());
        if (!"PASS".equals(r.path("verdict").asText())) {
            c.failed = true;
        }
        if (value.isNumber()) {
            double v = value.asDouble();
            c.last = v;
            c.min = Math.min(c.min, v);
            c.sum += v;
            c.count++;
        }
    }

    /** Replaces everything with a snapshot made by {@link #toJson()} on the publisher. */
    public synchronized void reset(JsonNode snapshot) {
        ClusterState fresh = fromJson(snapshot);
        seq = fresh.seq;
        lastEventAtMs = fresh.lastEventAtMs;
        cluster = fresh.cluster;
        runId = fresh.runId;
        transport = fresh.transport;
        runStartedAtMs = fresh.runStartedAtMs;
        runFinishedAtMs = fresh.runFinishedAtMs;
        plan.clear();
        plan.addAll(fresh.plan);
        settings.clear();
        settings.putAll(fresh.settings);
        nodes.clear();
        nodes.putAll(fresh.nodes);
        leaves.clear();
        leaves.addAll(fresh.leaves);
        steps.clear();
        steps.addAll(fresh.steps);
        results.clear();
        results.addAll(fresh.results);
        verdicts.clear();
        verdicts.putAll(fresh.verdicts);
        latency.clear();
        latency.putAll(fresh.latency);
        heatmap.clear();
        heatmap.putAll(fresh.heatmap);
        protocolErrors = fresh.protocolErrors;
        lastProtocolErrors.clear();
        lastProtocolErrors.addAll(fresh.lastProtocolErrors);
        inFlight = fresh.inFlight;
        journalPending = fresh.journalPending;
        journalWritten = fresh.journalWritten;
        journalDurable = fresh.journalDurable;
        journalLastLagMs = fresh.journalLastLagMs;
        journalMaxLagMs = fresh.journalMaxLagMs;
    }

    /**
     * The whole state as JSON: the snapshot a publisher sends, and what the dashboard renders
     * (it adds derived figures: node state busy, step ETA, totals).
     */
    public synchronized ObjectNode toJson() {
        long now = System.currentTimeMillis();
        ObjectNode o = JSON.createObjectNode();
        o.put("seq", seq);
        o.put("last_event_at", lastEventAtMs);
        o.put("cluster", cluster);
        ObjectNode run = o.putObject("run");
        run.put("run_id", runId);
        run.put("transport", transport);
        run.put("started_at", runStartedAtMs);
        run.put("finished_at", runFinishedAtMs);
        plan.forEach(run.putArray("plan")::add);
        ObjectNode set = run.putObject("settings");
        settings.forEach(set::put);
        leaves.forEach(o.putArray("leaves")::add);
        ArrayNode ns = o.putArray("nodes");
        for (Node n : nodes.values()) {
            ObjectNode j = ns.addObject();
            j.put("id", n.id);
            j.put("leaf", n.leaf);
            j.put("state", n.state);
            j.put("view", view(n));
            j.put("detail", n.detail);
            j.put("changed_at", n.changedAtMs);
            j.put("heard_ms_ago", n.heardAgoMs);
            n.running.forEach(j.putArray("running")::add);
            j.put("commands_done", n.commandsDone);
        }
        ArrayNode ss = o.putArray("steps");
        int total = 0;
        int done = 0;
        for (Step s : steps) {
            ObjectNode j = ss.addObject();
            j.put("test", s.test);
            j.put("schedule", s.schedule);
            j.put("total", s.total);
            j.put("done", s.done);
            j.put("running", s.running);
            j.put("passed", s.passed);
            j.put("failed", s.failed);
            j.put("errors", s.errors);
            j.put("skipped", s.skipped);
            j.put("started_at", s.startedAtMs);
            j.put("last_at", s.lastAtMs);
            total += s.total;
            done += s.done;
        }
        ObjectNode progress = o.putObject("progress");
        progress.put("steps_seen", steps.size());
        progress.put("steps_planned", plan.size());
        progress.put("groups_total_so_far", total);
        progress.put("groups_done", done);
        long end = runFinishedAtMs > 0 ? runFinishedAtMs : now;
        long elapsed = runStartedAtMs > 0 ? Math.max(0, end - runStartedAtMs) : 0;
        progress.put("elapsed_ms", elapsed);
        progress.put("finished", runFinishedAtMs > 0);
        // ETA: the current step's remaining groups at its pace so far, plus the unseen steps at
        // the average step time so far. An estimate; -1 when there is nothing to go on.
        long eta = -1;
        if (runFinishedAtMs > 0) {
            eta = 0;
        } else if (!steps.isEmpty()) {
            Step cur = steps.get(steps.size() - 1);
            long curElapsed = Math.max(1, now - cur.startedAtMs);
            double perGroup = cur.done > 0 ? (double) curElapsed / cur.done : Double.NaN;
            int unseen = Math.max(0, plan.size() - steps.size());
            long perStep = steps.size() > 1 ? (cur.startedAtMs - runStartedAtMs) / (steps.size() - 1) : -1;
            // Nothing finished in this step yet: assume it takes as long as the earlier steps did.
            long curLeft = !Double.isNaN(perGroup) ? (long) (perGroup * (cur.total - cur.done))
                    : perStep >= 0 ? Math.max(0, perStep - curElapsed) : -1;
            if (curLeft >= 0) {
                eta = curLeft + unseen * (perStep >= 0 ? perStep : curElapsed + curLeft);
            }
        }
        progress.put("eta_ms", eta);
        ArrayNode rs = o.putArray("results");
        Iterator<ObjectNode> it = results.descendingIterator();
        while (it.hasNext()) {
            rs.add(it.next());
        }
        ObjectNode vs = o.putObject("verdicts");
        verdicts.forEach((test, m) -> {
            ObjectNode t = vs.putObject(test);
            m.forEach(t::put);
        });
        ObjectNode lat = o.putObject("latency");
        latency.forEach((t, h) -> {
            ObjectNode j = lat.putObject(t);
            ArrayNode c = j.putArray("counts");
            for (long v : h.counts) {
                c.add(v);
            }
            j.put("sum_s", h.sum);
            j.put("count", h.count);
        });
        ObjectNode hm = o.putObject("heatmap");
        heatmap.forEach((test, cells) -> {
            ObjectNode t = hm.putObject(test);
            t.put("metric", PAIR_BANDWIDTH_METRIC.get(test));
            cells.forEach((pair, c) -> {
                ObjectNode j = t.putObject(pair);
                j.put("last", c.last);
                j.put("min", c.count == 0 ? 0 : c.min);
                j.put("mean", c.count == 0 ? 0 : c.sum / c.count);
                j.put("sum", c.sum);
                j.put("count", c.count);
                j.put("failed", c.failed);
            });
        });
        o.put("protocol_errors", protocolErrors);
        lastProtocolErrors.forEach(o.putArray("last_protocol_errors")::add);
        o.put("in_flight", inFlight);
        ObjectNode j = o.putObject("journal");
        j.put("pending", journalPending);
        j.put("written", journalWritten);
        j.put("durable", journalDurable);
        j.put("last_lag_ms", journalLastLagMs);
        j.put("max_lag_ms", journalMaxLagMs);
        return o;
    }

    /** up, busy (up with a command running), lost (silent), left (said BYE), or unknown (never connected). */
    private static String view(Node n) {
        if (n.state.equals("up") && !n.running.isEmpty()) {
            return "busy";
        }
        return n.state;
    }

    /** Rebuilds a state from {@link #toJson()}. */
    public static ClusterState fromJson(JsonNode o) {
        ClusterState s = new ClusterState();
        s.seq = o.path("seq").asLong();
        s.lastEventAtMs = o.path("last_event_at").asLong();
        s.cluster = o.path("cluster").asText("");
        JsonNode run = o.path("run");
        s.runId = run.path("run_id").asText("");
        s.transport = run.path("transport").asText("");
        s.runStartedAtMs = run.path("started_at").asLong();
        s.runFinishedAtMs = run.path("finished_at").asLong();
        run.path("plan").forEach(p -> s.plan.add(p.asText()));
        run.path("settings").fields().forEachRemaining(e -> s.settings.put(e.getKey(), e.getValue().asText()));
        o.path("leaves").forEach(l -> s.leaves.add(l.asText()));
        for (JsonNode j : o.path("nodes")) {
            Node n = s.node(j.path("id").asText());
            n.leaf = j.path("leaf").asText("");
            n.state = j.path("state").asText("unknown");
            n.detail = j.path("detail").asText("");
            n.changedAtMs = j.path("changed_at").asLong();
            n.heardAgoMs = j.path("heard_ms_ago").asLong(-1);
            j.path("running").forEach(c -> n.running.add(c.asText()));
            n.commandsDone = j.path("commands_done").asLong();
        }
        for (JsonNode j : o.path("steps")) {
            Step st = new Step(j.path("test").asText(), j.path("schedule").asText());
            st.total = j.path("total").asInt();
            st.done = j.path("done").asInt();
            st.running = j.path("running").asInt();
            st.passed = j.path("passed").asInt();
            st.failed = j.path("failed").asInt();
            st.errors = j.path("errors").asInt();
            st.skipped = j.path("skipped").asInt();
            st.startedAtMs = j.path("started_at").asLong();
            st.lastAtMs = j.path("last_at").asLong();
            s.steps.add(st);
        }
        List<ObjectNode> rs = new ArrayList<>();
        o.path("results").forEach(r -> rs.add((ObjectNode) r.deepCopy()));
        for (int i = rs.size() - 1; i >= 0; i--) {
            s.results.addLast(rs.get(i));
        }
        o.path("verdicts").fields().forEachRemaining(t -> {
            Map<String, Long> m = new TreeMap<>();
            t.getValue().fields().forEachRemaining(v -> m.put(v.getKey(), v.getValue().asLong()));
            s.verdicts.put(t.getKey(), m);
        });
        o.path("latency").fields().forEachRemaining(t -> {
            Histogram h = new Histogram();
            JsonNode c = t.getValue().path("counts");
            for (int i = 0; i < h.counts.length && i < c.size(); i++) {
                h.counts[i] = c.get(i).asLong();
            }
            h.sum = t.getValue().path("sum_s").asDouble();
            h.count = t.getValue().path("count").asLong();
            s.latency.put(t.getKey(), h);
        });
        o.path("heatmap").fields().forEachRemaining(t -> {
            Map<String, Cell> cells = new TreeMap<>();
            t.getValue().fields().forEachRemaining(e -> {
                if (!e.getValue().isObject()) {
                    return;
                }
                Cell c = new Cell();
                c.last = e.getValue().path("last").asDouble();
                c.count = e.getValue().path("count").asLong();
                c.min = c.count == 0 ? Double.MAX_VALUE : e.getValue().path("min").asDouble();
                c.sum = e.getValue().path("sum").asDouble();
                c.failed = e.getValue().path("failed").asBoolean();
                cells.put(e.getKey(), c);
            });
            s.heatmap.put(t.getKey(), cells);
        });
        s.protocolErrors = o.path("protocol_errors").asLong();
        o.path("last_protocol_errors").forEach(e -> s.lastProtocolErrors.addLast((ObjectNode) e.deepCopy()));
        s.inFlight = o.path("in_flight").asLong();
        JsonNode j = o.path("journal");
        s.journalPending = j.path("pending").asLong();
        s.journalWritten = j.path("written").asLong();
        s.journalDurable = j.path("durable").asLong();
        s.journalLastLagMs = j.path("last_lag_ms").asLong();
        s.journalMaxLagMs = j.path("max_lag_ms").asLong();
        return s;
    }
}
