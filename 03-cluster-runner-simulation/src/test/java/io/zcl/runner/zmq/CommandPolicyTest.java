package io.zcl.runner.zmq;

import static org.assertj.core.api.Assertions.assertThat;

import io.zcl.runner.api.Command;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What an agent agrees to run (issue 15, item 1): programs, environment, working directory. */
class CommandPolicyTest {

    @TempDir
    Path tmp;

    @Test
    void byDefaultOnlyThePerfToolsRunAndABareNameNeverMatchesAPath() {
        CommandPolicy policy = CommandPolicy.perfTools();
        for (String tool : List.of("all_reduce_perf", "sendrecv_perf", "ib_write_bw", "ib_read_lat", "gpu_burn",
                "dcgmi", "nvidia-smi")) {
            assertThat(policy.refusal(Command.of(tool))).as(tool).isNull();
        }
        assertThat(policy.refusal(Command.of("sh", "-c", "id"))).isEqualTo("'sh' is not on this agent's allow-list");
        assertThat(policy.refusal(Command.of("/tmp/x/gpu_burn"))).isEqualTo("'/tmp/x/gpu_burn' is not on this agent's "
                + "allow-list");
        assertThat(policy.allowing(List.of("echo")).refusal(Command.of("echo", "hi"))).isNull();
        assertThat(CommandPolicy.anyProgram().refusal(Command.of("/bin/echo", "hi"))).isNull();
    }

    @Test
    void aRunMayNotSetPathOrLoaderVariablesWhateverTheProgramList() {
        for (String name : List.of("PATH", "LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "ld_preload", "GCONV_PATH",
                "MALLOC_CHECK_", "BASH_ENV", "ENV", "PYTHONPATH", "DYLD_INSERT_LIBRARIES", "GLIBC_TUNABLES",
                "NCCL_NET_PLUGIN")) {
            String why = CommandPolicy.anyProgram().refusal(Command.of("gpu_burn").withEnv(Map.of(name, "x")));
            assertThat(why).as(name).startsWith("the RUN sets environment variable " + name + ",");
        }
        assertThat(CommandPolicy.perfTools().refusal(Command.of("all_reduce_perf")
                .withEnv(Map.of("OMPI_COMM_WORLD_RANK", "1", "NCCL_DEBUG", "INFO", "CUDA_VISIBLE_DEVICES", "0")))).isNull();
    }

    @Test
    void theCwdMustLieUnderARootAfterDotDotAndSymlinksAreResolved() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        Path inside = Files.createDirectories(root.resolve("work"));
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Path link = Files.createSymbolicLink(root.resolve("link-out"), outside);
        CommandPolicy policy = new CommandPolicy(java.util.Set.of("gpu_burn"), false, List.of(root));

        assertThat(policy.refusal(inCwd(inside.toString()))).isNull();
        assertThat(policy.refusal(inCwd(root.resolve("not-yet").toString()))).isNull();
        assertThat(policy.resolved(inCwd(inside + "/../work")).cwd()).isEqualTo(inside.toRealPath().toString());
        for (String cwd : List.of(outside.toString(), inside + "/../../outside", link.toString(),
                link + "/sub", "/etc")) {
            assertThat(policy.refusal(inCwd(cwd))).as(cwd).startsWith("cwd '" + cwd + "' (")
                    .contains("is outside this agent's allowed roots");
        }
        assertThat(policy.allowingCwd(outside).refusal(inCwd(link.toString()))).isNull();
        assertThat(policy.refusal(inCwd("bad\0path"))).isEqualTo("cwd 'bad\0path' is not a valid path");
    }

    private static Command inCwd(String cwd) {
        return new Command("c-1", List.of("gpu_burn"), Map.of(), cwd, Duration.ofSeconds(10));
    }
}
