package io.zcl.runner.local;

import io.zcl.runner.api.Command;
import io.zcl.runner.api.CommandResult;
import io.zcl.runner.api.UnknownNodeException;
import io.zcl.runner.cluster.ClusterDescriptor;
import io.zcl.runner.journal.JsonlJournalWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LocalOperationalContextTest {

    @Test
    void eachNodeRunsWithItsOwnIdentityAndExtraEnvironment(@TempDir Path dir) throws Exception {
        ClusterDescriptor cluster = ClusterDescriptor.simulated(3, 1);
        try (LocalOperationalContext ctx = new LocalOperationalContext(cluster,
                JsonlJournalWriter.open(dir.resolve("journal.jsonl")),
                id -> id.equals("node-2") ? Map.of("ZCL_FAULT", "slow-link") : Map.of(),
                null, LocalNodeExecutor.Settings.defaults())) {

            CommandResult node2 = ctx.executor("node-2").run(Command.of("sh", "-c", "echo $ZCL_NODE_ID ${ZCL_FAULT:-none}"))
                    .get(10, TimeUnit.SECONDS);
            CommandResult node3 = ctx.executor("node-3").run(Command.of("sh", "-c", "echo $ZCL_NODE_ID ${ZCL_FAULT:-none}"))
                    .get(10, TimeUnit.SECONDS);

            assertThat(node2.stdout()).isEqualTo("node-2 slow-link\n");
            assertThat(node3.stdout()).isEqualTo("node-3 none\n");
            assertThat(ctx.transport()).isEqualTo("local");
            assertThat(ctx.nodes()).isEqualTo(cluster.nodes());
            assertThat(ctx.systemConfig("node-1").gpus()).hasSize(8);
            assertThatThrownBy(() -> ctx.executor("node-9")).isInstanceOf(UnknownNodeException.class);
            assertThatThrownBy(() -> ctx.systemConfig("node-9")).isInstanceOf(UnknownNodeException.class);
        }
    }
}
