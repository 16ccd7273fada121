package io.zcl.runner.journal;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.zcl.runner.api.JournalRecord;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a journal for reports. Never modifies the file (repair happens only when a writer opens
 * it). Lines that do not parse are counted and described in {@link JournalContents#badLines()};
 * a last line without a newline is reported as torn even if it happens to parse, because the
 * writer never acknowledged it.
 */
public final class JournalReader {

    private static final int EXCERPT = 80;

    private JournalReader() {
    }

    /** @throws JournalException when the file cannot be read at all */
    public static JournalContents read(Path file) {
        List<JournalRecord> records = new ArrayList<>();
        List<JournalContents.BadLine> bad = new ArrayList<>();
        try {
            boolean tornTail = !endsWithNewline(file);
            // InputStreamReader replaces malformed UTF-8 instead of throwing, so one bad byte is one bad line.
            try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8))) {
                String line = in.readLine();
                long number = 0;
                while (line != null) {
                    number++;
                    String next = in.readLine();
                    if (next == null && tornTail) {
                        bad.add(new JournalContents.BadLine(number,
                                "torn last line (no newline; the writer stopped mid-line)", excerpt(line)));
                    } else if (!line.isBlank()) {
                        parse(line, number, records, bad);
                    }
                    line = next;
                }
            }
        } catch (IOException e) {
            throw new JournalException("journal " + file + ": cannot read: " + e.getMessage(), e);
        }
        return new JournalContents(file, records, bad);
    }

    private static void parse(String line, long number, List<JournalRecord> records, List<JournalContents.BadLine> bad) {
        try {
            records.add(JournalJson.fromLine(line));
        } catch (JsonProcessingException e) {
            String reason = e.getOriginalMessage();
            int nl = reason == null ? -1 : reason.indexOf('\n');
            String firstLine = nl < 0 ? String.valueOf(reason) : reason.substring(0, nl);
            bad.add(new JournalContents.BadLine(number, firstLine, excerpt(line)));
        }
    }

    private static boolean endsWithNewline(Path file) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long length = raf.length();
            if (length == 0) {
                return true;
            }
            raf.seek(length - 1);
            return raf.read() == '\n';
        }
    }

    private static String excerpt(String line) {
        return line.length() <= EXCERPT ? line : line.substring(0, EXCERPT) + "...";
    }
}
