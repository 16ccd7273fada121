package io.zcl.runner.cluster;

import io.zcl.runner.api.NodeDescriptor;
import io.zcl.runner.api.SystemConfiguration;
import io.zcl.runner.api.UnknownNodeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ClusterDescriptorTest {

    static Path resource(String name) {
        try {
            return Path.of(ClusterDescriptorTest.class.getResource("/clusters/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void loadsNodesInFileOrderWithDefaultsApplied() {
        ClusterDescriptor cluster = ClusterDescriptor.load(resource("lab-a.yaml"));

        assertThat(cluster.name()).isEqualTo("lab-a");
        assertThat(cluster.nodeIds()).containsExactly("node-1", "node-2", "node-3");
        assertThat(cluster.leaves()).containsExactly("leaf-1", "leaf-2");
        assertThat(cluster.node("node-1")).isEqualTo(
                new NodeDescriptor("node-1", "10.0.0.11", 22, "leaf-1", Map.of("site", "lab", "rack", "r1")));
        assertThat(cluster.node("node-2").sshPort()).isEqualTo(2222);
        assertThat(cluster.node("node-3").labels()).containsEntry("site", "annex");
    }

    @Test
    void defaultSystemGetsEachNodesHostAsHostname() {
        ClusterDescriptor cluster = ClusterDescriptor.load(resource("lab-a.yaml"));

        SystemConfiguration node2 = cluster.system("node-2");
        assertThat(node2.hostname()).isEqualTo("10.0.0.12");
        assertThat(node2.gpus()).hasSize(2);
        assertThat(node2.gpus().get(1)).isEqualTo(
                new SystemConfiguration.Gpu(1, "NVIDIA H100 80GB HBM3", 80, 18, 25.0, 50.0));
        assertThat(node2.nics()).containsExactly(new SystemConfiguration.Nic("mlx5_0", 400.0, "0000:18:00.0"));
        assertThat(node2.numa().get(0).cpus()).containsExactly(0, 1, 2, 3);
    }

    @Test
    void aNodesOwnSystemReplacesTheDefault() {
        SystemConfiguration node3 = ClusterDescriptor.load(resource("lab-a.yaml")).system("node-3");

        assertThat(node3.hostname()).isEqualTo("gpu-03");
        assertThat(node3.gpus()).singleElement()
                .satisfies(gpu -> assertThat(gpu.model()).isEqualTo("NVIDIA A100-SXM4-80GB"));
        assertThat(node3.nics()).isEmpty();
    }

    @Test
    void minimalFileTakesItsNameFromTheFileAndHasEmptySystems() {
        ClusterDescriptor cluster = ClusterDescriptor.load(resource("minimal.yaml"));

        assertThat(cluster.name()).isEqualTo("minimal");
        assertThat(cluster.node("a").sshPort()).isEqualTo(22);
        assertThat(cluster.system("a")).isEqualTo(new SystemConfiguration("127.0.0.1", null, null, null));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            bad-missing-leaf.yaml   | bad-missing-leaf.yaml: nodes[2]: missing 'leaf'
            bad-duplicate-id.yaml   | bad-duplicate-id.yaml: duplicate node id 'node-3' (nodes[1] and nodes[4])
            bad-no-nodes.yaml       | bad-no-nodes.yaml: no nodes defined
            bad-unknown-key.yaml    | bad-unknown-key.yaml: nodes[0]: unknown key 'sshport' (allowed: host, id, labels, leaf, ssh_port, system)
            bad-port.yaml           | bad-port.yaml: nodes[1]: ssh_port 70000 out of range (1..65535)
            bad-system-key.yaml     | bad-system-key.yaml: defaults.system.gpus[0]: unknown key 'nvlink' (allowed: index, memory_gb, model, nvlink_gb_per_sec, nvlink_links, tflops)
            """)
    void badFilesFailWithOneLineNamingTheProblem(String file, String message) {
        assertThatThrownBy(() -> ClusterDescriptor.load(resource(file)))
                .isInstanceOf(ClusterConfigException.class)
                .hasMessage(message);
    }

    @Test
    void yamlSyntaxErrorsNameTheLine() {
        assertThatThrownBy(() -> ClusterDescriptor.load(resource("bad-yaml.yaml")))
                .isInstanceOf(ClusterConfigException.class)
                .hasMessageStartingWith("bad-yaml.yaml: line 7: not valid YAML: ")
                .message().doesNotContain("\n");
    }

    @Test
    void duplicateKeysAreSyntaxErrors() {
        assertThatThrownBy(() -> ClusterDescriptor.load(resource("bad-duplicate-key.yaml")))
                .isInstanceOf(ClusterConfigException.class)
                .hasMessageStartingWith("bad-duplicate-key.yaml: line 6: not valid YAML: ")
                .hasMessageEndingWith("duplicate key 'leaf'");
    }

    @Test
    void otherMistakesAreNamedToo() {
        assertThatThrownBy(() -> ClusterDescriptor.parse("", "c.yaml"))
                .hasMessage("c.yaml: no nodes defined (the file is empty)");
        assertThatThrownBy(() -> ClusterDescriptor.parse("- a\n- b\n", "c.yaml"))
                .hasMessage("c.yaml: expected a mapping with 'name', 'defaults' and 'nodes' at the top level");
        assertThatThrownBy(() -> ClusterDescriptor.parse("nodes:\n  - { id: 'a b', host: h, leaf: l }\n", "c.yaml"))
                .hasMessage("c.yaml: nodes[0]: id 'a b' may only contain letters, digits, '.', '_' and '-'");
        assertThatThrownBy(() -> ClusterDescriptor.parse("nodes:\n  - { id: a, host: h, leaf: l, ssh_port: ssh }\n", "c.yaml"))
                .hasMessage("c.yaml: nodes[0]: ssh_port must be a whole number, got 'ssh'");
        assertThatThrownBy(() -> ClusterDescriptor.parse(
                "defaults: { system: { hostname: x } }\nnodes:\n  - { id: a, host: h, leaf: l }\n", "c.yaml"))
                .hasMessage("c.yaml: defaults.system: 'hostname' cannot be a default (each node has its own)");
        assertThatThrownBy(() -> ClusterDescriptor.parse(
                "nodes:\n  - { id: a, host: h, leaf: l, system: { gpus: [ { memory_gb: lots } ] } }\n", "c.yaml"))
                .hasMessageStartingWith("c.yaml: nodes[0].system.gpus[0].memory_gb: ")
                .message().doesNotContain("\n");
        assertThatThrownBy(() -> ClusterDescriptor.parse(
                "nodes:\n  - { id: a, host: h, leaf: l, system: { gpus: [ { index: 0, memory_gb: 80 } ] } }\n", "c.yaml"))
                .hasMessage("c.yaml: nodes[0].system.gpus[0]: missing 'nvlink_links'");
        assertThatThrownBy(() -> ClusterDescriptor.load(Path.of("does-not-exist.yaml")))
                .isInstanceOf(ClusterConfigException.class)
                .hasMessageStartingWith("does-not-exist.yaml: no such file");
    }

    @Test
    void simulatedClusterPutsNodesOnLeavesInBlocks() {
        ClusterDescriptor cluster = ClusterDescriptor.simulated(8, 3);

        Map<String, List<String>> byLeaf = cluster.nodes().stream().collect(Collectors.groupingBy(
                NodeDescriptor::leaf, java.util.TreeMap::new,
                Collectors.mapping(NodeDescriptor::id, Collectors.toList())));
        assertThat(byLeaf).containsExactly(
                Map.entry("leaf-1", List.of("node-1", "node-2", "node-3")),
                Map.entry("leaf-2", List.of("node-4", "node-5", "node-6")),
                Map.entry("leaf-3", List.of("node-7", "node-8")));
        assertThat(cluster.nodes()).allSatisfy(n -> assertThat(n.host()).isEqualTo("127.0.0.1"));
    }

    @Test
    void simulatedNodesLookLikeH100Servers() {
        SystemConfiguration system = ClusterDescriptor.simulated(2, 1).system("node-2");

        assertThat(system.hostname()).isEqualTo("node-2");
        assertThat(system.gpus()).hasSize(8).allSatisfy(gpu -> {
            assertThat(gpu.model()).isEqualTo("NVIDIA H100 80GB HBM3");
            assertThat(gpu.memoryGb()).isEqualTo(80);
        });
        assertThat(system.nvlinkGbPerSecPerGpu()).isEqualTo(450.0);
        assertThat(system.nics()).extracting(SystemConfiguration.Nic::name)
                .containsExactly("mlx5_0", "mlx5_1", "mlx5_2", "mlx5_3", "mlx5_4", "mlx5_5", "mlx5_6", "mlx5_7");
        assertThat(system.nics()).allSatisfy(nic -> assertThat(nic.linkRateGbps()).isEqualTo(400.0));
        assertThat(system.numa()).hasSize(2);
        assertThat(system.numa().get(1).gpus()).containsExactly(4, 5, 6, 7);
    }

    @Test
    void simulatedRejectsImpossibleShapes() {
        assertThatThrownBy(() -> ClusterDescriptor.simulated(0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ClusterDescriptor.simulated(2, 3)).hasMessageContaining("leaves");
    }

    @Test
    void unknownNodesAreNamedWithTheKnownOnes() {
        ClusterDescriptor cluster = ClusterDescriptor.simulated(2, 1);

        assertThatThrownBy(() -> cluster.system("node-9"))
                .isInstanceOf(UnknownNodeException.class)
                .hasMessageContaining("node-9").hasMessageContaining("node-1, node-2");
    }
}
