package io.zcl.runner.journal;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/** Where the writer appends lines: a file in production; tests wrap it to slow it down or break it. */
interface AppendTarget extends Closeable {

    /** Writes all of the buffer to the OS (not necessarily to disk). */
    void append(ByteBuffer line) throws IOException;

    /** Makes everything appended so far durable. */
    void force() throws IOException;
}
