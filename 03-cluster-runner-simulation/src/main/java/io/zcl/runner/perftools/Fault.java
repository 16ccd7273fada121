package io.zcl.runner.perftools;

import java.util.Locale;

/**
 * A fault injected into a simulated node's emulated perf tools, carried to them in the
 * {@link EmulationEnv#FAULT} environment variable. One fault per node; every tool reads it.
 *
 * <pre>
 *   none             healthy
 *   slow-link[:F]    fabric bandwidth x F (default 0.25): ib_write_bw and multi-node all_reduce slow down
 *   faulty-gpu[:I]   GPU I (default 0) computes wrong results: gpu_burn says FAULTY, all_reduce counts #wrong
 *   dead-gpus        every GPU worker dies: gpu_burn aborts, all_reduce fails with a CUDA error
 *   hang             the tool prints its preamble, then sleeps until killed
 *   exit:N           the tool prints an error line and exits N (1..255)
 * </pre>
 */
public sealed interface Fault permits Fault.None, Fault.SlowLink, Fault.FaultyGpu, Fault.DeadGpus, Fault.Hang, Fault.Exit {

    /** The text the tools read, and that {@link #parse} reads back. */
    String envValue();

    Fault NONE = new None();

    record None() implements Fault {
        @Override
        public String envValue() {
            return "none";
        }
    }

    /** @param factor share of the fabric bandwidth left, in (0, 1] */
    record SlowLink(double factor) implements Fault {
        public SlowLink {
            if (!(factor > 0 && factor <= 1)) {
                throw new IllegalArgumentException("slow-link factor must be in (0, 1], got " + factor);
            }
        }

        @Override
        public String envValue() {
            return factor == 0.25 ? "slow-link" : "slow-link:" + factor;
        }
    }

    /** @param gpuIndex the CUDA index of the GPU that computes wrong results */
    record FaultyGpu(int gpuIndex) implements Fault {
        public FaultyGpu {
            if (gpuIndex < 0) {
                throw new IllegalArgumentException("faulty-gpu index must be >= 0, got " + gpuIndex);
            }
        }

        @Override
        public String envValue() {
            return "faulty-gpu:" + gpuIndex;
        }
    }

    record DeadGpus() implements Fault {
        @Override
        public String envValue() {
            return "dead-gpus";
        }
    }

    record Hang() implements Fault {
        @Override
        public String envValue() {
            return "hang";
        }
    }

    /** @param code the exit code, 1..255 (0 would not be a fault) */
    record Exit(int code) implements Fault {
        public Exit {
            if (code < 1 || code > 255) {
                throw new IllegalArgumentException("exit code must be 1..255, got " + code);
            }
        }

        @Override
        public String envValue() {
            return "exit:" + code;
        }
    }

    /** The kinds {@link #parse} accepts, for error messages and help text. */
    String KINDS = "none, slow-link[:FACTOR], faulty-gpu[:INDEX], dead-gpus, hang, exit:CODE";

    /**
     * Reads a fault from its text form, e.g. "slow-link", "faulty-gpu:3", "hang", "exit:2".
     * Null or blank means {@link #NONE}.
     *
     * @throws IllegalArgumentException for an unknown kind or a bad argument, naming the known kinds
     */
    static Fault parse(String text) {
        if (text == null || text.isBlank()) {
            return NONE;
        }
        String trimmed = text.trim().toLowerCase(Locale.ROOT);
        int colon = trimmed.indexOf(':');
        String kind = colon < 0 ? trimmed : trimmed.substring(0, colon);
        String arg = colon < 0 ? null : trimmed.substring(colon + 1);
        try {
            return switch (kind) {
                case "none" -> noArg(kind, arg, NONE);
                case "slow-link" -> new SlowLink(arg == null ? 0.25 : Double.parseDouble(arg));
                case "faulty-gpu" -> new FaultyGpu(arg == null ? 0 : Integer.parseInt(arg));
                case "dead-gpus" -> noArg(kind, arg, new DeadGpus());
                case "hang" -> noArg(kind, arg, new Hang());
                case "exit" -> {
                    if (arg == null) {
                        throw new IllegalArgumentException("fault 'exit' needs a code, e.g. exit:2");
                    }
                    yield new Exit(Integer.parseInt(arg));
                }
                default -> throw new IllegalArgumentException(
                        "unknown fault kind '" + kind + "' in '" + text + "'; known: " + KINDS);
            };
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad argument '" + arg + "' for fault '" + kind + "'; known: " + KINDS, e);
        }
    }

    private static Fault noArg(String kind, String arg, Fault fault) {
        if (arg != null) {
            throw new IllegalArgumentException("fault '" + kind + "' takes no argument, got '" + arg + "'");
        }
        return fault;
    }
}
