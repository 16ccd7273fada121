package io.zcl.runner.api;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * One line of the journal (JSON Lines). The "type" field names the record kind so a reader, or
 * a Python tool, can dispatch on it without guessing.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = RunHeader.class, name = "run_header"),
        @JsonSubTypes.Type(value = TestResult.class, name = "test_result"),
        @JsonSubTypes.Type(value = NodeEvent.class, name = "node_event"),
        @JsonSubTypes.Type(value = OrphanResult.class, name = "orphan_result")
})
public sealed interface JournalRecord permits RunHeader, TestResult, NodeEvent, OrphanResult {
}
