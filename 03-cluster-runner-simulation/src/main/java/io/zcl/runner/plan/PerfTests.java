package io.zcl.runner.plan;

import io.zcl.runner.api.PerfTest;
import io.zcl.runner.perftools.GpuBurnTest;
import io.zcl.runner.perftools.IbWriteBwTest;
import io.zcl.runner.perftools.NcclAllReduceTest;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** The perf tests a plan can name, built with a run's settings. */
public final class PerfTests {

    public static final String GPU_BURN = GpuBurnTest.NAME;
    public static final String IB_WRITE_BW = IbWriteBwTest.NAME;
    public static final String NCCL_ALL_REDUCE = NcclAllReduceTest.NAME;

    private PerfTests() {
    }

    public static List<String> names() {
        return List.of(GPU_BURN, IB_WRITE_BW, NCCL_ALL_REDUCE);
    }

    /**
     * A fresh test instance (tests keep per-command state between commands() and evaluate()).
     *
     * @param commandTimeout if not null, caps every command's timeout: a simulation whose tools
     *                       run faster than real ones should not wait real-tool timeouts for a hang
     */
    public static PerfTest create(String name, Duration commandTimeout) {
        PerfTest test = switch (name) {
            case GPU_BURN -> new GpuBurnTest();
            case IB_WRITE_BW -> new IbWriteBwTest();
            case NCCL_ALL_REDUCE -> new NcclAllReduceTest();
            default -> throw new IllegalArgumentException("unknown test '" + name + "'; known: " + String.join(", ", names()));
        };
        return commandTimeout == null ? test : new CappedTimeout(test, commandTimeout);
    }

    /** Same test, with every command's timeout capped. */
    private record CappedTimeout(PerfTest inner, Duration cap) implements PerfTest {
        @Override
        public String name() {
            return inner.name();
        }

        @Override
        public int minGroupSize() {
            return inner.minGroupSize();
        }

        @Override
        public List<NodeCommand> commands(List<String> group, io.zcl.runner.api.OperationalContext ctx) {
            return inner.commands(group, ctx).stream()
                    .map(nc -> nc.command().timeout().compareTo(cap) <= 0 ? nc
                            : new NodeCommand(nc.nodeId(), nc.command().withTimeout(cap)))
                    .toList();
        }

        @Override
        public Evaluation evaluate(List<String> group, List<NodeCommand> commands,
                                   Map<String, io.zcl.runner.api.CommandResult> results) {
            return inner.evaluate(group, commands, results);
        }
    }
}
