package io.zcl.runner.zmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.zcl.runner.api.SystemConfiguration;
import io.zcl.runner.local.LocalNodeExecutor;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * A coordinator host name that does not resolve (a node agent started before the cluster's DNS
 * knows the coordinator): the agent keeps retrying with backoff, says why in one WARN line per
 * attempt, never a stack trace, and does not stop. That it connects once the name resolves is
 * shown in a separate JVM with its own hosts file (zcl-agent's AgentMainTest).
 */
@Timeout(60)
class UnresolvableCoordinatorTest {

    @Test
    void theAgentKeepsRetryingAndSaysTheHostDoesNotResolve() throws Exception {
        String node = "dns-n1";
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        Logger agentLogger = (Logger) LoggerFactory.getLogger(NodeAgent.class);
        log.start();
        agentLogger.addAppender(log);
        try (LocalNodeExecutor exec = new LocalNodeExecutor(node, Map.of(), null);
             NodeAgent agent = new NodeAgent(NodeAgent.Settings.defaults("tcp://no-such-host.invalid:5555", node,
                     new SystemConfiguration(node, List.of(), List.of(), List.of())).withBackoff(50, 200), exec)
                     .start()) {
            await().atMost(Duration.ofSeconds(40)).until(() -> agent.reconnects() >= 4);
            assertThat(agent.awaitStopped(Duration.ofMillis(300))).as("the agent must not stop").isFalse();
            assertThat(agent.state()).isEqualTo(NodeAgent.State.CONNECTING);
            assertThat(agent.connectProblem())
                    .isEqualTo("unreachable: host name no-such-host.invalid does not resolve (DNS not ready yet?)");

            List<ILoggingEvent> mine = log.list.stream()
                    .filter(e -> e.getFormattedMessage().startsWith(node + ":")).toList();
            assertThat(mine).hasSizeGreaterThanOrEqualTo(4);
            for (ILoggingEvent e : mine) {
                assertThat(e.getLevel()).isEqualTo(Level.WARN);
                assertThat(e.getThrowableProxy()).as("no stack trace").isNull();
                assertThat(e.getFormattedMessage()).matches(node + ": coordinator tcp://no-such-host.invalid:5555 "
                        + "unreachable: host name no-such-host.invalid does not resolve \\(DNS not ready yet\\?\\); "
                        + "reconnecting in \\d+ ms");
            }
        } finally {
            agentLogger.detachAppender(log);
        }
    }
}
