package io.zcl.runner.journal;

/** The journal cannot record (disk full, unwritable, closed) or cannot be opened. */
public class JournalException extends RuntimeException {

    public JournalException(String message) {
        super(message);
    }

    public JournalException(String message, Throwable cause) {
        super(message, cause);
    }
}
