package io.zcl.runner.run;

import io.zcl.runner.api.Command;
import io.zcl.runner.api.CommandResult;
import io.zcl.runner.api.OperationalContext;
import io.zcl.runner.api.PerfTest;
import io.zcl.runner.api.TestResult.Verdict;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A perf test for runner tests: every node of the group runs one shell script; PASS when all
 * print "ok". A node whose environment has ZCL_FAIL exits 3 with the reason on stderr, the way a
 * simulation injects a fault into one node.
 */
class ShellTest implements PerfTest {

    static final String DEFAULT_SCRIPT = "if [ -n \"$ZCL_FAIL\" ]; then echo \"$ZCL_NODE_ID: $ZCL_FAIL\" >&2; exit 3; fi; echo ok";

    private final String name;
    private final int minGroupSize;
    private final String script;
    private final Duration timeout;
    final List<List<String>> groupsAsked = new CopyOnWriteArrayList<>();

    ShellTest(String name, int minGroupSize) {
        this(name, minGroupSize, DEFAULT_SCRIPT, Duration.ofSeconds(20));
    }

    ShellTest(String name, int minGroupSize, String script, Duration timeout) {
        this.name = name;
        this.minGroupSize = minGroupSize;
        this.script = script;
        this.timeout = timeout;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int minGroupSize() {
        return minGroupSize;
    }

    @Override
    public List<NodeCommand> commands(List<String> group, OperationalContext ctx) {
        groupsAsked.add(group);
        List<NodeCommand> commands = new ArrayList<>();
        for (String node : group) {
            commands.add(new NodeCommand(node, new Command(name + "-" + node + "-" + UUID.randomUUID(),
                    List.of("sh", "-c", script), Map.of("ZCL_GROUP", String.join(",", group)), null, timeout)));
        }
        return commands;
    }

    @Override
    public Evaluation evaluate(List<String> group, List<NodeCommand> commands, Map<String, CommandResult> results) {
        List<String> failed = new ArrayList<>();
        StringBuilder reason = new StringBuilder();
        for (NodeCommand command : commands) {
            CommandResult result = results.get(command.command().id());
            if (!result.succeeded() || !result.stdout().strip().equals("ok")) {
                failed.add(command.nodeId());
                reason.append(result.stderr().strip());
            }
        }
        Verdict verdict = failed.isEmpty() ? Verdict.PASS : Verdict.FAIL;
        return new Evaluation(verdict, Map.of("nodes", (double) group.size()), failed, reason.toString());
    }
}
