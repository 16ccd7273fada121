package io.zcl.runner.zmq;

import io.zcl.runner.api.CommandResult;
import io.zcl.runner.api.SystemConfiguration;

/**
 * What the coordinator observes, for the journal, the event stream and the CLI. Called on the
 * coordinator's I/O thread: implementations must return quickly.
 */
public interface CoordinatorListener {

    /** A node said HELLO (first time, after a reconnect, or after its agent restarted). */
    default void nodeUp(String nodeId, SystemConfiguration system, boolean agentRestarted) {
    }

    /** A node went silent for liveness x interval, or said BYE. */
    default void nodeLost(String nodeId, String reason) {
    }

    /** A RUN was sent to a node. */
    default void commandStarted(String nodeId, String commandId) {
    }

    /** A command's result arrived (or it was declared lost). */
    default void commandFinished(String nodeId, CommandResult result) {
    }

    /**
     * A RESULT for a command this coordinator did not send (it restarted since): the caller
     * decides (a resumed run journals it as an {@code orphan_result} record). It has been ACKed,
     * unless the coordinator runs in {@link ZmqCoordinator#ackAfterHandover()} mode: then whoever
     * records it calls {@link ZmqCoordinator#acknowledge} once it is safe.
     */
    default void orphanResult(String nodeId, CommandResult result) {
    }

    /** A message that broke the protocol; an ERROR reply was sent where possible. */
    default void protocolError(String peer, Protocol.ErrorCode code, String reason) {
    }
}
