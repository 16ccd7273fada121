package io.zcl.runner.perftools;

/**
 * The text given to a perf-tool parser is not that tool's output (or so truncated that nothing
 * in it can be trusted). The message says which tool and what was missing, so a verdict's
 * reason can quote it.
 */
public class PerfToolParseException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public PerfToolParseException(String message) {
        super(message);
    }

    /** A one-line preview of the start of some output, for error messages. */
    static String preview(String output) {
        if (output == null) {
            return "<null>";
        }
        String flat = output.strip().replaceAll("\\s+", " ");
        if (flat.isEmpty()) {
            return "<empty>";
        }
        return "'" + (flat.length() > 60 ? flat.substring(0, 60) + "..." : flat) + "'";
    }
}
