package io.zcl.runner.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An append-only file. No user-space buffer: each append is a write(2), so a record that was
 * appended survives the death of this process. force uses fdatasync (force(false)), which still
 * persists the file length, the only metadata a reader needs.
 */
final class FileAppendTarget implements AppendTarget {

    private final FileChannel channel;
    private final FileLock lock;

    FileAppendTarget(Path file) throws IOException {
        channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        lock = lockOrFail(file);
    }

    /*
     * Two writers appending to one journal would interleave half lines. The lock is advisory and
     * some file systems do not support it; there the journal still works, unguarded.
     */
    private FileLock lockOrFail(Path file) throws IOException {
        FileLock taken;
        try {
            taken = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            taken = null;
        } catch (IOException e) {
            return null;
        }
        if (taken == null) {
            channel.close();
            throw new IOException(file + " is already open by another journal writer");
        }
        return taken;
    }

    @Override
    public void append(ByteBuffer line) throws IOException {
        while (line.hasRemaining()) {
            channel.write(line);
        }
    }

    @Override
    public void force() throws IOException {
        channel.force(false);
    }

    @Override
    public void close() throws IOException {
        try {
            if (lock != null && lock.isValid()) {
                lock.release();
            }
        } finally {
            channel.close();
        }
    }
}
