package io.zcl.runner.journal;

import io.zcl.runner.api.JournalRecord;
import io.zcl.runner.api.TestResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class JournalReaderTest {

    @Test
    void countsAndDescribesLinesItCannotParse(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("journal.jsonl");
        String header = line(Records.header());
        Files.writeString(file, header
                + "not json at all\n"
                + "{\"type\":\"mystery\",\"x\":1}\n"
                + "\n"
                + line(Records.result(4))
                + line(Records.result(5)));

        JournalContents contents = JournalReader.read(file);

        assertThat(contents.header()).contains(Records.header());
        assertThat(contents.testResults()).extracting(TestResult::round).containsExactly(4, 5);
        assertThat(contents.badLines()).extracting(JournalContents.BadLine::lineNumber).containsExactly(2L, 3L);
        assertThat(contents.badLines().get(0).excerpt()).isEqualTo("not json at all");
        assertThat(contents.badLines().get(1).reason()).contains("mystery");
        assertThat(contents.resultKeys()).containsExactly("gpu_burn/all_servers@node-5", "gpu_burn/all_servers@node-6");
    }

    private static String line(JournalRecord record) throws IOException {
        return new String(JournalJson.toLine(record), StandardCharsets.UTF_8);
    }
}
