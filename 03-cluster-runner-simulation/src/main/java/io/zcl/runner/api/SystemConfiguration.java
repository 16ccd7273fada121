package io.zcl.runner.api;

import java.util.List;
import java.util.Objects;

/**
 * What a node has (Python: SystemConfiguration). Reported by the node itself (the agent's HELLO)
 * or read from the cluster descriptor; emulated perf tools take their figures from it.
 *
 * @param hostname the node's host name
 * @param gpus     GPUs in index order
 * @param nics     network adapters used for the fabric (InfiniBand/RoCE)
 * @param numa     NUMA nodes with their CPUs and the GPUs/NICs attached to them
 */
public record SystemConfiguration(String hostname, List<Gpu> gpus, List<Nic> nics, List<NumaNode> numa) {

    public SystemConfiguration {
        Objects.requireNonNull(hostname, "hostname");
        gpus = gpus == null ? List.of() : List.copyOf(gpus);
        nics = nics == null ? List.of() : List.copyOf(nics);
        numa = numa == null ? List.of() : List.copyOf(numa);
    }

    /**
     * @param index          the CUDA device index
     * @param model          e.g. "NVIDIA H100 80GB HBM3"
     * @param memoryGb       device memory in GB
     * @param nvlinkLinks    number of NVLink links
     * @param nvlinkGbPerSec bandwidth per link, GB/s per direction
     * @param tflops         sustained dense FP32/TF32 throughput the burn test should reach
     */
    public record Gpu(int index, String model, int memoryGb, int nvlinkLinks, double nvlinkGbPerSec, double tflops) {
    }

    /**
     * @param name         device name, e.g. "mlx5_0"
     * @param linkRateGbps link rate in Gb/s, e.g. 400
     * @param pciBus       PCI address, e.g. "0000:18:00.0", may be empty
     */
    public record Nic(String name, double linkRateGbps, String pciBus) {
    }

    /**
     * @param id   NUMA node id
     * @param cpus CPU ids, e.g. 0..55
     * @param gpus GPU indexes local to this NUMA node
     * @param nics NIC names local to this NUMA node
     */
    public record NumaNode(int id, List<Integer> cpus, List<Integer> gpus, List<String> nics) {
        public NumaNode {
            cpus = cpus == null ? List.of() : List.copyOf(cpus);
            gpus = gpus == null ? List.of() : List.copyOf(gpus);
            nics = nics == null ? List.of() : List.copyOf(nics);
        }
    }

    /** Total NVLink bandwidth of one GPU in GB/s (links x per-link), 0 without NVLink. */
    public double nvlinkGbPerSecPerGpu() {
        return gpus.isEmpty() ? 0 : gpus.get(0).nvlinkLinks() * gpus.get(0).nvlinkGbPerSec();
    }
}
