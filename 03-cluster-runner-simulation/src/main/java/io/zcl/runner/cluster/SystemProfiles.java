package io.zcl.runner.cluster;

import io.zcl.runner.api.SystemConfiguration;
import io.zcl.runner.api.SystemConfiguration.Gpu;
import io.zcl.runner.api.SystemConfiguration.Nic;
import io.zcl.runner.api.SystemConfiguration.NumaNode;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/** Ready-made node configurations for simulated clusters. */
public final class SystemProfiles {

    /** An H100 SXM GPU as a DGX/HGX H100 node reports it. */
    public static final String H100_MODEL = "NVIDIA H100 80GB HBM3";

    /*
     * PCI addresses of the eight ConnectX-7 ports on a DGX H100; four per socket, which is what
     * the NUMA layout below encodes.
     */
    private static final List<String> H100_NIC_PCI = List.of(
            "0000:18:00.0", "0000:40:00.0", "0000:4f:00.0", "0000:5e:00.0",
            "0000:9a:00.0", "0000:c0:00.0", "0000:ce:00.0", "0000:dc:00.0");

    private SystemProfiles() {
    }

    /**
     * An HGX H100 node: 8 GPUs (80 GB, 18 NVLink 4 links x 25 GB/s = 450 GB/s per direction,
     * 50 TFLOPS sustained in a burn), 8 NICs mlx5_0..7 at 400 Gb/s, two NUMA nodes of 56 cores
     * each holding four GPUs and four NICs.
     */
    public static SystemConfiguration h100(String hostname) {
        List<Gpu> gpus = IntStream.range(0, 8)
                .mapToObj(i -> new Gpu(i, H100_MODEL, 80, 18, 25.0, 50.0))
                .toList();
        List<Nic> nics = IntStream.range(0, 8)
                .mapToObj(i -> new Nic("mlx5_" + i, 400.0, H100_NIC_PCI.get(i)))
                .toList();
        List<NumaNode> numa = new ArrayList<>();
        for (int socket = 0; socket < 2; socket++) {
            int first = socket * 56;
            int base = socket * 4;
            numa.add(new NumaNode(socket,
                    IntStream.range(first, first + 56).boxed().toList(),
                    IntStream.range(base, base + 4).boxed().toList(),
                    IntStream.range(base, base + 4).mapToObj(i -> "mlx5_" + i).toList()));
        }
        return new SystemConfiguration(hostname, gpus, nics, numa);
    }
}
