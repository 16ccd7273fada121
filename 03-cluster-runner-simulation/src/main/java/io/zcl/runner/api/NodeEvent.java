package io.zcl.runner.api;

import java.time.Instant;

/**
 * Something that happened to a node during a run (it joined, was lost, came back).
 *
 * @param at     when the event was observed
 * @param nodeId the node
 * @param kind   what happened
 * @param detail a human-readable reason, may be empty
 */
public record NodeEvent(Instant at, String nodeId, Kind kind, String detail) implements JournalRecord {

    public enum Kind { UP, LOST, RECONNECTED, DOWN }

    public NodeEvent {
        detail = detail == null ? "" : detail;
    }
}
