package io.zcl.runner.perftools;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads gpu-burn's output (wilicc/gpu-burn): the per-GPU verdict lines after "Tested N GPUs:",
 * the "No clients are alive!" abort, and the last progress line, which gpu-burn rewrites in place
 * with \r (so the text is split on \r as well as \n). Pass stdout and stderr together: the abort
 * line goes to stderr.
 */
public final class GpuBurnParser {

    private static final Pattern TESTED = Pattern.compile("^Tested (\\d+) GPUs:");
    private static final Pattern GPU = Pattern.compile("^GPU (\\d+): (OK|FAULTY)\\b");
    private static final Pattern PROGRESS = Pattern.compile("^(\\d+(?:\\.\\d+)?)%\\s+proc'd:(.*?)\\berrors:(.*?)(?:\\btemps:.*)?$");
    private static final Pattern GFLOPS = Pattern.compile("(-?\\d+) \\((\\d+(?:\\.\\d+)?) Gflop/s\\)");
    private static final Pattern ERRORS = Pattern.compile("(\\d+)\\s*(\\((?:DIED|WARNING)!\\))?");
    private static final String ABORT = "No clients are alive!";

    private GpuBurnParser() {
    }

    /** One GPU's verdict. */
    public record GpuStatus(int index, boolean ok) {
    }

    /**
     * The last progress line: percent done and, per GPU, Gflop/s, error count and whether it died.
     */
    public record Progress(double percent, List<Double> gflops, List<Long> errors, List<Boolean> died) {
        public Progress {
            gflops = List.copyOf(gflops);
            errors = List.copyOf(errors);
            died = List.copyOf(died);
        }
    }

    /**
     * @param tested   the N of "Tested N GPUs:", empty when the run never got there
     * @param gpus     the per-GPU verdict lines
     * @param aborted  "No clients are alive!" was printed (every worker died)
     * @param progress the last progress line, if any
     */
    public record Result(OptionalInt tested, List<GpuStatus> gpus, boolean aborted, Optional<Progress> progress) {
        public Result {
            gpus = List.copyOf(gpus);
        }

        public List<Integer> faultyGpus() {
            return gpus.stream().filter(g -> !g.ok()).map(GpuStatus::index).toList();
        }

        /** Every GPU listed and OK, and no abort. */
        public boolean allOk() {
            return !aborted && tested.isPresent() && gpus.size() == tested.getAsInt() && gpus.stream().allMatch(GpuStatus::ok);
        }
    }

    /**
     * Parses one run's output.
     *
     * @throws PerfToolParseException when there is no summary, abort or progress line
     */
    public static Result parse(String output) {
        if (output == null || output.isBlank()) {
            throw new PerfToolParseException("gpu_burn: empty output");
        }
        OptionalInt tested = OptionalInt.empty();
        List<GpuStatus> gpus = new ArrayList<>();
        boolean aborted = false;
        Optional<Progress> progress = Optional.empty();
        for (String raw : output.split("\\r\\n|\\r|\\n")) {
            String line = raw.strip();
            Matcher m;
            if ((m = TESTED.matcher(line)).find()) {
                tested = OptionalInt.of(Integer.parseInt(m.group(1)));
                gpus.clear();
            } else if (tested.isPresent() && (m = GPU.matcher(line)).find()) {
                gpus.add(new GpuStatus(Integer.parseInt(m.group(1)), m.group(2).equals("OK")));
            } else if (line.contains(ABORT)) {
                aborted = true;
            } else if ((m = PROGRESS.matcher(line)).find()) {
                progress = Optional.of(progress(m));
            }
        }
        if (tested.isEmpty() && !aborted && progress.isEmpty()) {
            throw new PerfToolParseException("gpu_burn: no 'Tested N GPUs:' summary, abort or progress line in output starting "
                    + PerfToolParseException.preview(output));
        }
        return new Result(tested, gpus, aborted, progress);
    }

    private static Progress progress(Matcher m) {
        List<Double> gflops = new ArrayList<>();
        List<Boolean> died = new ArrayList<>();
        Matcher g = GFLOPS.matcher(m.group(2));
        while (g.find()) {
            gflops.add(Double.parseDouble(g.group(2)));
            died.add(g.group(1).equals("-1"));
        }
        List<Long> errors = new ArrayList<>();
        Matcher e = ERRORS.matcher(m.group(3));
        while (e.find()) {
            errors.add(Long.parseLong(e.group(1)));
            if (e.group(2) != null && e.group(2).contains("DIED") && errors.size() <= died.size()) {
                died.set(errors.size() - 1, true);
            }
        }
        return new Progress(Double.parseDouble(m.group(1)), gflops, errors, died);
    }
}
