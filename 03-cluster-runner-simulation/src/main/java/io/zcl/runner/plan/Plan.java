package io.zcl.runner.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.zcl.runner.schedule.Schedule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * What a run does: an ordered list of steps, each a perf test over a schedule. Loaded from YAML:
 * <pre>
 * steps:
 *   - { test: gpu_burn,        schedule: all_servers }
 *   - { test: ib_write_bw,     schedule: leaf_to_leaf_pairs }
 *   - { test: nccl_all_reduce, schedule: increasing_size_groups }
 * </pre>
 */
public record Plan(List<Step> steps) {

    /** One perf test over one schedule. */
    public record Step(String test, String schedule) {
        public String label() {
            return test + " @ " + schedule;
        }
    }

    public Plan {
        if (steps == null || steps.isEmpty()) {
            throw new IllegalArgumentException("a plan needs at least one step");
        }
        steps = List.copyOf(steps);
    }

    /**
     * The default plan of the cluster runner: gpu-burn on every server; ib_write_bw and
     * all_reduce between leaf-to-leaf pairs; all_reduce on groups of increasing size.
     */
    public static Plan defaults() {
        return new Plan(List.of(
                new Step(PerfTests.GPU_BURN, "all_servers"),
                new Step(PerfTests.IB_WRITE_BW, "leaf_to_leaf_pairs"),
                new Step(PerfTests.NCCL_ALL_REDUCE, "leaf_to_leaf_pairs"),
                new Step(PerfTests.NCCL_ALL_REDUCE, "increasing_size_groups")));
    }

    /** Loads a plan file; any problem is one {@link PlanException} line naming the file and the step. */
    public static Plan load(Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new PlanException(file + ": no such file");
        } catch (IOException e) {
            throw new PlanException(file + ": not valid YAML: " + firstLine(e.getMessage()));
        }
        if (root == null || !root.isObject() || !root.has("steps") || !root.get("steps").isArray()) {
            throw new PlanException(file + ": expected a map with a 'steps' list");
        }
        List<Step> steps = new ArrayList<>();
        int i = 0;
        for (JsonNode s : root.get("steps")) {
            String where = file + ": steps[" + i++ + "]";
            if (!s.isObject()) {
                throw new PlanException(where + ": expected a map with 'test' and 'schedule'");
            }
            for (Iterator<String> it = s.fieldNames(); it.hasNext(); ) {
                String key = it.next();
                if (!key.equals("test") && !key.equals("schedule")) {
                    throw new PlanException(where + ": unknown key '" + key + "' (known: test, schedule)");
                }
            }
            String test = text(s, "test", where);
            String schedule = text(s, "schedule", where);
            if (!PerfTests.names().contains(test)) {
                throw new PlanException(where + ": unknown test '" + test + "'; known: " + String.join(", ", PerfTests.names()));
            }
            if (!Schedule.names().contains(schedule)) {
                throw new PlanException(where + ": unknown schedule '" + schedule + "'; known: "
                        + String.join(", ", Schedule.names()));
            }
            steps.add(new Step(test, schedule));
        }
        if (steps.isEmpty()) {
            throw new PlanException(file + ": 'steps' is empty");
        }
        return new Plan(steps);
    }

    private static String text(JsonNode s, String key, String where) {
        JsonNode v = s.get(key);
        if (v == null || !v.isTextual() || v.asText().isBlank()) {
            throw new PlanException(where + ": missing '" + key + "'");
        }
        return v.asText();
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** A plan file that cannot be used; the message is one line meant for the user. */
    public static final class PlanException extends IllegalArgumentException {
        public PlanException(String message) {
            super(message);
        }
    }
}
