package io.zcl.runner.journal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Cuts a torn last line off a journal before appending to it. The writer only ever appends, so
 * a crash can damage only the tail: a line without its newline (the write was cut short), or a
 * newline-terminated last line that is not JSON (a block of zeros after a power loss). Only that
 * one last line is cut: damage further up is not a crash artefact, it is left for the reader to
 * report rather than deleting data this code cannot explain.
 */
final class TornTailRepair {

    private static final int CHUNK = 64 * 1024;

    private TornTailRepair() {
    }

    static RepairReport repair(Path file) throws IOException {
        if (!Files.isRegularFile(file) || Files.size(file) == 0) {
            return RepairReport.clean(file);
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = channel.size();
            long keep;
            String reason;
            if (byteAt(channel, size - 1) != '\n') {
                keep = lastNewlineBefore(channel, size) + 1;
                reason = "last line has no newline";
            } else {
                long start = lastNewlineBefore(channel, size - 1) + 1;
                String lastLine = read(channel, start, size - 1 - start);
                if (JournalJson.isCompleteObject(lastLine)) {
                    return RepairReport.clean(file);
                }
                keep = start;
                reason = "last line is not a JSON object";
            }
            channel.truncate(keep);
            channel.force(true);
            return new RepairReport(file, size - keep, reason);
        }
    }

    /** Position of the last '\n' strictly before {@code end}, or -1 if there is none. */
    private static long lastNewlineBefore(FileChannel channel, long end) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(CHUNK);
        long pos = end;
        while (pos > 0) {
            long from = Math.max(0, pos - CHUNK);
            buffer.clear().limit((int) (pos - from));
            readFully(channel, buffer, from);
            for (int i = buffer.limit() - 1; i >= 0; i--) {
                if (buffer.get(i) == '\n') {
                    return from + i;
                }
            }
            pos = from;
        }
        return -1;
    }

    private static byte byteAt(FileChannel channel, long position) throws IOException {
        ByteBuffer one = ByteBuffer.allocate(1);
        readFully(channel, one, position);
        return one.get(0);
    }

    private static String read(FileChannel channel, long start, long length) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer buffer = ByteBuffer.allocate(CHUNK);
        for (long pos = start; pos < start + length; ) {
            buffer.clear().limit((int) Math.min(CHUNK, start + length - pos));
            readFully(channel, buffer, pos);
            out.write(buffer.array(), 0, buffer.limit());
            pos += buffer.limit();
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        long pos = position;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file at " + pos);
            }
            pos += n;
        }
    }
}
