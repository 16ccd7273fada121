package io.zcl.examples.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import io.zcl.runner.sim.ChildProcesses;
import io.zcl.runner.zmq.ConnectRace;
import io.zcl.runner.zmq.IoThreadWatch;
import io.zcl.runner.zmq.Protocol;
import io.zcl.runner.zmq.Protocol.Cmd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * Issue 15 item 4, the coordinator's side: {@code zcl run} in a child JVM (256 MiB heap, so 256 MiB
 * of direct memory) gets one message of 20 frames of 31 MiB, each under the 32 MiB frame cap.
 * JeroMQ buffers the message whole before the coordinator can refuse its frame count, its I/O
 * thread runs out of direct memory and dies. The coordinator used to stay up without ever talking
 * again (the run ended 0/4 NODE_LOST); now it says so in one line and exits 70.
 */
@Tag("slow")
class CoordinatorIoThreadDeathTest {

    @TempDir
    Path tmp;

    @Test
    @Timeout(150)
    void aMessageOfTwentyBigFramesEndsTheCoordinatorLoudly() throws Exception {
        Path cluster = CoordinatorCrashResumeTest.writeCluster(tmp, 2);
        Path plan = Files.writeString(tmp.resolve("plan.yaml"), "steps:\n  - { test: gpu_burn, schedule: all_servers }\n");
        String bind = "tcp://127.0.0.1:" + ChildProcesses.freePort();
        try (ChildProcesses children = new ChildProcesses(tmp.resolve("logs"));
                ZContext ctx = new ZContext(1)) {
            // No agent comes: the coordinator waits for them (up to 100 s) with its socket bound.
            Process coordinator = children.java("coordinator", RunMain.class, 0, "--cluster", cluster.toString(),
                    "--plan", plan.toString(), "--bind", bind, "--runs-dir", tmp.resolve("runs").toString(),
                    "--insecure", "--wait-s", "100", "--quiet");
            ZMQ.Socket attacker = ctx.createSocket(SocketType.DEALER);
            attacker.setLinger(0);
            ConnectRace.connect(attacker, bind);
            byte[] frame = new byte[31 << 20];
            attacker.sendMore(Protocol.SIGNATURE);
            attacker.sendMore(new byte[] {Cmd.HELLO.code()});
            for (int i = 0; i < 17; i++) {
                attacker.sendMore(frame);
            }
            attacker.send(frame);

            assertThat(coordinator.waitFor(90, TimeUnit.SECONDS)).as("the coordinator exits; its log:%n%s",
                    children.log("coordinator")).isTrue();
            String log = children.log("coordinator");
            assertThat(coordinator.exitValue()).as(log).isEqualTo(IoThreadWatch.EXIT_STATUS);
            assertThat(log).contains("zcl run: the coordinator's ZeroMQ I/O thread died "
                    + "(java.lang.OutOfMemoryError: Cannot reserve ").contains("exits (status 70) to be restarted")
                    .doesNotContain("\tat ");
        }
    }
}
