package io.zcl.runner.perftools;

import io.zcl.runner.api.SystemConfiguration;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The environment a simulated node gives its emulated perf tools: the node's profile (from its
 * {@link SystemConfiguration}) and the injected {@link Fault}. The scripts in
 * {@code src/main/resources/emulated-tools} read exactly these variables; this class is the one
 * place that names them. Per-command variables (the MPI world size and rank) come from the
 * {@link io.zcl.runner.api.Command} env instead, as they would from mpirun on a real cluster.
 */
public final class EmulationEnv {

    /** Host name printed by the tools (nccl-tests device list, failure lines); seeds the jitter. */
    public static final String HOSTNAME = "ZCL_EMU_HOSTNAME";
    /** Number of GPUs on the node. */
    public static final String GPU_COUNT = "ZCL_EMU_GPU_COUNT";
    /** GPU model as CUDA names it, e.g. "NVIDIA H100 80GB HBM3". */
    public static final String GPU_MODEL = "ZCL_EMU_GPU_MODEL";
    /** Memory per GPU in GB (gpu_burn's init lines). */
    public static final String GPU_MEMORY_GB = "ZCL_EMU_GPU_MEMORY_GB";
    /** Sustained TFLOPS per GPU (gpu_burn's Gflop/s). */
    public static final String GPU_TFLOPS = "ZCL_EMU_GPU_TFLOPS";
    /** NVLink GB/s per GPU, links x per-link; 0 means PCIe only (all_reduce uses 24 GB/s). */
    public static final String NVLINK_GBPS = "ZCL_EMU_NVLINK_GBPS";
    /** Fabric NICs as "name:Gb/s,name:Gb/s"; the inter-node bound is their sum / 8 in GB/s. */
    public static final String NICS = "ZCL_EMU_NICS";
    /** The injected fault, {@link Fault#envValue()}. */
    public static final String FAULT = "ZCL_EMU_FAULT";
    /** Wall-clock factor for modelled run time: 0 prints at once, 0.01 makes gpu_burn 60 take 0.6 s. */
    public static final String TIME_SCALE = "ZCL_EMU_TIME_SCALE";
    /** Varies the deterministic jitter between runs; the same seed gives the same figures. */
    public static final String SEED = "ZCL_EMU_SEED";

    /** Set per command by a multi-node PerfTest, as mpirun sets them for each rank. */
    public static final String MPI_WORLD_SIZE = "OMPI_COMM_WORLD_SIZE";
    public static final String MPI_WORLD_RANK = "OMPI_COMM_WORLD_RANK";
    public static final String MPI_LOCAL_RANK = "OMPI_COMM_WORLD_LOCAL_RANK";

    private EmulationEnv() {
    }

    /** The node's variables with no wall-clock waiting (time scale 0) and jitter seed 0. */
    public static Map<String, String> forNode(SystemConfiguration cfg, Fault fault) {
        return forNode(cfg, fault, 0.0, 0);
    }

    /**
     * The node's variables, in a stable order.
     *
     * @param timeScale how much of the modelled run time the tools really wait (0 = none)
     * @param seed      jitter seed; keep 0 for reproducible figures
     */
    public static Map<String, String> forNode(SystemConfiguration cfg, Fault fault, double timeScale, long seed) {
        Objects.requireNonNull(cfg, "cfg");
        if (timeScale < 0 || Double.isNaN(timeScale)) {
            throw new IllegalArgumentException("time scale must be >= 0, got " + timeScale);
        }
        Map<String, String> env = new LinkedHashMap<>();
        env.put(HOSTNAME, cfg.hostname());
        env.put(GPU_COUNT, Integer.toString(cfg.gpus().size()));
        if (!cfg.gpus().isEmpty()) {
            SystemConfiguration.Gpu gpu = cfg.gpus().get(0);
            env.put(GPU_MODEL, gpu.model());
            env.put(GPU_MEMORY_GB, Integer.toString(gpu.memoryGb()));
            env.put(GPU_TFLOPS, number(gpu.tflops()));
        }
        env.put(NVLINK_GBPS, number(cfg.nvlinkGbPerSecPerGpu()));
        env.put(NICS, cfg.nics().stream()
                .map(nic -> nic.name() + ":" + number(nic.linkRateGbps()))
                .collect(Collectors.joining(",")));
        env.put(FAULT, (fault == null ? Fault.NONE : fault).envValue());
        env.put(TIME_SCALE, number(timeScale));
        env.put(SEED, Long.toString(seed));
        return env;
    }

    /** Plain decimal text the scripts' awk reads back exactly (no exponent, no locale comma). */
    static String number(double value) {
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        return String.format(Locale.ROOT, "%.6f", value).replaceAll("0+$", "");
    }
}
