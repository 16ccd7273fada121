package io.zcl.runner.perftools;

import io.zcl.runner.api.JournalWriter;
import io.zcl.runner.api.NodeDescriptor;
import io.zcl.runner.api.NodeExecutor;
import io.zcl.runner.api.OperationalContext;
import io.zcl.runner.api.SystemConfiguration;
import io.zcl.runner.api.UnknownNodeException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/** Node profiles and a context that only answers nodes() and systemConfig(): all a PerfTest's commands() needs. */
final class Profiles {

    private Profiles() {
    }

    /** An HGX H100 node: 8 GPUs with 18 NVLink links of 25 GB/s, 8 x 400 Gb/s NICs. */
    static SystemConfiguration h100(String hostname) {
        List<SystemConfiguration.Gpu> gpus = IntStream.range(0, 8)
                .mapToObj(i -> new SystemConfiguration.Gpu(i, "NVIDIA H100 80GB HBM3", 80, 18, 25.0, 51.0)).toList();
        List<SystemConfiguration.Nic> nics = IntStream.range(0, 8)
                .mapToObj(i -> new SystemConfiguration.Nic("mlx5_" + i, 400, "")).toList();
        return new SystemConfiguration(hostname, gpus, nics, List.of());
    }

    static OperationalContext context(SystemConfiguration... cfgs) {
        Map<String, SystemConfiguration> byId = new LinkedHashMap<>();
        List<NodeDescriptor> nodes = new ArrayList<>();
        for (SystemConfiguration cfg : cfgs) {
            byId.put(cfg.hostname(), cfg);
            nodes.add(new NodeDescriptor(cfg.hostname(), cfg.hostname() + ".cluster", 22, "leaf-1", Map.of()));
        }
        return new OperationalContext() {
            @Override
            public List<NodeDescriptor> nodes() {
                return nodes;
            }

            @Override
            public NodeExecutor executor(String nodeId) {
                throw new UnsupportedOperationException("tests run commands through ToolRunner");
            }

            @Override
            public SystemConfiguration systemConfig(String nodeId) {
                SystemConfiguration cfg = byId.get(nodeId);
                if (cfg == null) {
                    throw new UnknownNodeException(nodeId, byId.keySet());
                }
                return cfg;
            }

            @Override
            public JournalWriter journal() {
                throw new UnsupportedOperationException();
            }

            @Override
            public String transport() {
                return "local";
            }

            @Override
            public void close() {
            }
        };
    }
}
