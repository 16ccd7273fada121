package io.zcl.runner.perftools;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the text output of nccl-tests' perf binaries (all_reduce_perf and friends), old and new
 * versions: rows of the result table, the "# Avg bus bandwidth" and "# Out of bounds values"
 * footer lines, and "Test NCCL failure" / "Test CUDA failure" / "Test failure" lines.
 *
 * <p>Tolerant by design: lines it does not know (NCCL_DEBUG chatter, MPI warnings, newer header
 * lines such as "# nccl-tests version", "# Collective test starting") are skipped; numbers may be
 * fixed, no-decimal (12646) or exponent form (1.2e+05); #wrong may be N/A (run with -c 0); extra
 * trailing columns (the -S timestamp) are ignored. Text with no table row, no footer and no
 * failure line is not nccl-tests output and raises {@link PerfToolParseException}.
 */
public final class NcclTestsParser {

    /** size count type redop root, then time algbw busbw #wrong twice (out-of-place, in-place). */
    private static final int ROW_TOKENS = 13;
    private static final Pattern AVG_BUS_BW = Pattern.compile("^#\\s*Avg bus bandwidth\\s*:\\s*(\\S+)");
    private static final Pattern OUT_OF_BOUNDS = Pattern.compile("^#\\s*Out of bounds values\\s*:\\s*(\\d+)");
    private static final Pattern FAILURE = Pattern.compile("Test (NCCL |CUDA )?failure|Test timeout");
    private static final Pattern VERSION = Pattern.compile("^#\\s*nccl-tests version (\\S+)");
    private static final Pattern RANK = Pattern.compile("^#\\s+Rank\\s+\\d+\\s+Group");

    private NcclTestsParser() {
    }

    /** One placement (out-of-place or in-place) of one row. */
    public record Measurement(double timeUs, double algBwGBps, double busBwGBps, Wrong wrong) {
    }

    /** The #wrong column: a count of wrong elements, or N/A when checking was off (-c 0). */
    public record Wrong(boolean checked, long count) {
        public static final Wrong NOT_CHECKED = new Wrong(false, 0);

        public static Wrong of(long count) {
            return new Wrong(true, count);
        }

        @Override
        public String toString() {
            return checked ? Long.toString(count) : "N/A";
        }
    }

    /** One table row: a message size and its two measurements. */
    public record Row(long sizeBytes, long count, String type, String redop, String root,
                      Measurement outOfPlace, Measurement inPlace) {

        /** Wrong elements in both placements (N/A counts as 0). */
        public long wrong() {
            return outOfPlace.wrong().count() + inPlace.wrong().count();
        }
    }

    /**
     * What one run printed.
     *
     * @param rows           table rows in printed order
     * @param avgBusBwGBps   the footer's "Avg bus bandwidth" (mean busbw of every row, both
     *                       placements); empty when the footer is missing (a run cut short)
     * @param outOfBounds    the footer's "Out of bounds values" count, empty when missing
     * @param failures       "Test ... failure" lines, in order
     * @param version        the "# nccl-tests version" of newer builds, empty for older ones
     * @param deviceLines    the "#  Rank N Group ..." lines
     */
    public record Result(List<Row> rows, OptionalDouble avgBusBwGBps, OptionalInt outOfBounds,
                         List<String> failures, Optional<String> version, List<String> deviceLines) {

        public Result {
            rows = List.copyOf(rows);
            failures = List.copyOf(failures);
            deviceLines = List.copyOf(deviceLines);
        }

        /** True when the tool reported a failure line, out-of-bounds values or wrong elements. */
        public boolean failed() {
            return !failures.isEmpty() || outOfBounds.orElse(0) > 0 || rows.stream().anyMatch(r -> r.wrong() > 0);
        }

        /** Mean busbw over every row and placement, as the footer computes it; 0 without rows. */
        public double meanBusBwGBps() {
            return rows.stream()
                    .flatMapToDouble(r -> java.util.stream.DoubleStream.of(r.outOfPlace().busBwGBps(), r.inPlace().busBwGBps()))
                    .average().orElse(0);
        }

        /** Busbw of the largest message (out-of-place), the figure people compare to line rate. */
        public OptionalDouble largestMessageBusBwGBps() {
            return rows.isEmpty() ? OptionalDouble.empty()
                    : OptionalDouble.of(rows.get(rows.size() - 1).outOfPlace().busBwGBps());
        }
    }

    /**
     * Parses one process's output.
     *
     * @throws PerfToolParseException when the text holds no row, footer or failure line
     */
    public static Result parse(String output) {
        if (output == null || output.isBlank()) {
            throw new PerfToolParseException("nccl-tests: empty output");
        }
        List<Row> rows = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        List<String> devices = new ArrayList<>();
        OptionalDouble avg = OptionalDouble.empty();
        OptionalInt oob = OptionalInt.empty();
        Optional<String> version = Optional.empty();
        for (String raw : output.split("\\r?\\n|\\r")) {
            String line = raw.strip();
            if (line.isEmpty()) {
                continue;
            }
            Matcher m;
            if ((m = AVG_BUS_BW.matcher(line)).find()) {
                OptionalDouble value = number(m.group(1));
                if (value.isPresent()) {
                    avg = value;
                }
            } else if ((m = OUT_OF_BOUNDS.matcher(line)).find()) {
                oob = OptionalInt.of(Integer.parseInt(m.group(1)));
            } else if ((m = VERSION.matcher(line)).find()) {
                version = Optional.of(m.group(1));
            } else if (RANK.matcher(line).find()) {
                devices.add(line);
            } else if (FAILURE.matcher(line).find()) {
                failures.add(line);
            } else if (!line.startsWith("#")) {
                row(line).ifPresent(rows::add);
            }
        }
        if (rows.isEmpty() && avg.isEmpty() && oob.isEmpty() && failures.isEmpty()) {
            throw new PerfToolParseException("nccl-tests: no result row, footer or failure line in "
                    + output.lines().count() + " lines of output starting " + PerfToolParseException.preview(output));
        }
        return new Result(rows, avg, oob, failures, version, devices);
    }

    private static Optional<Row> row(String line) {
        String[] t = line.split("\\s+");
        if (t.length < ROW_TOKENS) {
            return Optional.empty();
        }
        try {
            long size = Long.parseLong(t[0]);
            long count = Long.parseLong(t[1]);
            Optional<Measurement> oop = measurement(t, 5);
            Optional<Measurement> ip = measurement(t, 9);
            if (oop.isEmpty() || ip.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(new Row(size, count, t[2], t[3], t[4], oop.get(), ip.get()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static Optional<Measurement> measurement(String[] t, int at) {
        OptionalDouble time = number(t[at]);
        OptionalDouble alg = number(t[at + 1]);
        OptionalDouble bus = number(t[at + 2]);
        if (time.isEmpty() || alg.isEmpty() || bus.isEmpty()) {
            return Optional.empty();
        }
        Wrong wrong;
        if (t[at + 3].equalsIgnoreCase("N/A")) {
            wrong = Wrong.NOT_CHECKED;
        } else {
            OptionalDouble w = number(t[at + 3]);
            if (w.isEmpty()) {
                return Optional.empty();
            }
            wrong = Wrong.of((long) w.getAsDouble());
        }
        return Optional.of(new Measurement(time.getAsDouble(), alg.getAsDouble(), bus.getAsDouble(), wrong));
    }

    /** Fixed, integer or exponent form ("1.2e+05"); NaN/inf are not figures. */
    static OptionalDouble number(String text) {
        try {
            double v = Double.parseDouble(text);
            return Double.isFinite(v) ? OptionalDouble.of(v) : OptionalDouble.empty();
        } catch (NumberFormatException e) {
            return OptionalDouble.empty();
        }
    }
}
