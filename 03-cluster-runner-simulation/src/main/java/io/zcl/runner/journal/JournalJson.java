package io.zcl.runner.journal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.zcl.runner.api.JournalRecord;

/**
 * The journal's line format, in one place for the writer, the reader and anything that ships
 * records elsewhere. One JSON object per line: a "type" field first (run_header, test_result,
 * node_event), then the record's fields in snake_case (the journal is read by Python tools as
 * well), instants as ISO-8601 UTC strings, e.g.
 * <pre>
 * {"type":"test_result","run_id":"20261128-153012","test":"gpu_burn","schedule":"all_servers",
 *  "round":0,"nodes":["node-1"],"verdict":"PASS","metrics":{"gflops":7000.0},"failed_nodes":[],
 *  "reason":"","command_ids":["c1"],"started_at":"2026-11-28T15:30:12.5Z","duration_ms":812,
 *  "transport":"local"}
 * </pre>
 * (shown wrapped; on disk it is one line). Under {@code --transport auto} a test_result also has
 * {@code "node_transports":{"node-1":"zmq"}} and a transport of "zmq", "ssh" or "zmq+ssh".
 * Unknown fields are ignored when reading, so a newer writer's journal stays readable.
 */
public final class JournalJson {

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();
    private static final ObjectWriter WRITER = MAPPER.writerFor(JournalRecord.class);
    private static final ObjectReader READER = MAPPER.readerFor(JournalRecord.class);

    private JournalJson() {
    }

    /** The configured mapper (snake_case, ISO-8601 instants); shared, do not reconfigure. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** The record as one line of UTF-8 JSON, ending in '\n'. */
    public static byte[] toLine(JournalRecord record) throws JsonProcessingException {
        byte[] json = WRITER.writeValueAsBytes(record);
        byte[] line = new byte[json.length + 1];
        System.arraycopy(json, 0, line, 0, json.length);
        line[json.length] = '\n';
        return line;
    }

    /** Parses one line (without its newline) into its typed record. */
    public static JournalRecord fromLine(String line) throws JsonProcessingException {
        return READER.readValue(line);
    }

    /** True when the text is one complete JSON object: what a line that was fully written looks like. */
    static boolean isCompleteObject(String line) {
        try {
            JsonNode node = MAPPER.readTree(line);
            return node != null && node.isObject();
        } catch (JsonProcessingException e) {
            return false;
        }
    }
}
