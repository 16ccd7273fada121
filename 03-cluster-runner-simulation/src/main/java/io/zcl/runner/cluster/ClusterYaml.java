package io.zcl.runner.cluster;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.zcl.runner.api.NodeDescriptor;
import io.zcl.runner.api.SystemConfiguration;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads cluster.yaml. Keys are snake_case; unknown keys are errors (a typo such as
 * {@code sshport} must not silently fall back to a default).
 * <pre>
 * name: lab-a                       # optional, defaults to the file name without extension
 * defaults:                         # optional, applied to nodes that do not say otherwise
 *   ssh_port: 22                    # 1..65535, default 22
 *   labels: { site: lab }           # merged under each node's labels
 *   system:                         # a node's SystemConfiguration, without hostname
 *     gpus: [ { index: 0, model: "NVIDIA H100 80GB HBM3", memory_gb: 80,
 *               nvlink_links: 18, nvlink_gb_per_sec: 25, tflops: 50 } ]
 *     nics: [ { name: mlx5_0, link_rate_gbps: 400, pci_bus: "0000:18:00.0" } ]
 *     numa: [ { id: 0, cpus: [0, 1], gpus: [0], nics: [mlx5_0] } ]
 * nodes:                            # required, at least one
 *   - { id: node-1, host: 10.0.0.11, leaf: leaf-1, labels: { rack: r1 } }
 *   - { id: node-2, host: 10.0.0.12, leaf: leaf-2, ssh_port: 2222, system: { ... } }
 * </pre>
 * A node's {@code system} replaces the default system as a whole (no deep merge: half of one GPU
 * list and half of another describes no real machine); its hostname defaults to the node's host.
 * Ids and leaves are limited to letters, digits, '.', '_' and '-' because result keys join node
 * ids with ',' and '@'.
 */
final class ClusterYaml {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final Set<String> TOP_KEYS = Set.of("name", "defaults", "nodes");
    private static final Set<String> DEFAULT_KEYS = Set.of("ssh_port", "labels", "system");
    private static final Set<String> NODE_KEYS = Set.of("id", "host", "leaf", "ssh_port", "labels", "system");
    private static final Set<String> SYSTEM_KEYS = Set.of("hostname", "gpus", "nics", "numa");
    /* Keys of the list items under system, checked here because Jackson reports a missing
       primitive before an unknown key, which would blame the wrong line for a typo. */
    private static final Map<String, Set<String>> SYSTEM_ITEM_KEYS = Map.of(
            "gpus", Set.of("index", "model", "memory_gb", "nvlink_links", "nvlink_gb_per_sec", "tflops"),
            "nics", Set.of("name", "link_rate_gbps", "pci_bus"),
            "numa", Set.of("id", "cpus", "gpus", "nics"));
    private static final int DEFAULT_SSH_PORT = 22;

    private static final YAMLMapper YAML = YAMLMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();
    private static final ObjectMapper SYSTEM = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    private final String source;

    private ClusterYaml(String source) {
        this.source = source;
    }

    static ClusterDescriptor load(Path file) {
        Path fileName = file.getFileName();
        String source = fileName == null ? file.toString() : fileName.toString();
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ClusterConfigException(source + ": no such file (" + file.toAbsolutePath() + ")", e);
        } catch (IOException e) {
            throw new ClusterConfigException(source + ": cannot read: " + e.getMessage(), e);
        }
        return parse(text, source);
    }

    static ClusterDescriptor parse(String yaml, String source) {
        return new ClusterYaml(source).parse(yaml);
    }

    private ClusterDescriptor parse(String yaml) {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? -1 : e.getLocation().getLineNr();
            throw new ClusterConfigException(source + ": line " + line + ": not valid YAML: "
                    + yamlProblemOf(e), e);
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw error("", "no nodes defined (the file is empty)");
        }
        if (!root.isObject()) {
            throw error("", "expected a mapping with 'name', 'defaults' and 'nodes' at the top level");
        }
        checkKeys(root, TOP_KEYS, "");
        String name = root.has("name") ? text(root, "name", "", true) : defaultName();

        JsonNode defaults = root.path("defaults");
        int defaultPort = DEFAULT_SSH_PORT;
        Map<String, String> defaultLabels = Map.of();
        ObjectNode defaultSystem = null;
        if (!defaults.isMissingNode()) {
            requireMapping(defaults, "defaults");
            checkKeys(defaults, DEFAULT_KEYS, "defaults");
            defaultPort = port(defaults, "defaults", DEFAULT_SSH_PORT);
            defaultLabels = labels(defaults, "defaults");
            if (defaults.has("system")) {
                defaultSystem = systemNode(defaults.get("system"), "defaults.system");
                if (defaultSystem.has("hostname")) {
                    throw error("defaults.system", "'hostname' cannot be a default (each node has its own)");
                }
            }
        }

        JsonNode nodesNode = root.path("nodes");
        if (nodesNode.isMissingNode() || nodesNode.isNull() || (nodesNode.isArray() && nodesNode.isEmpty())) {
            throw error("", "no nodes defined");
        }
        if (!nodesNode.isArray()) {
            throw error("nodes", "expected a list of nodes");
        }
        List<NodeDescriptor> nodes = new ArrayList<>();
        Map<String, SystemConfiguration> systems = new HashMap<>();
        Map<String, Integer> firstIndex = new HashMap<>();
        for (int i = 0; i < nodesNode.size(); i++) {
            String path = "nodes[" + i + "]";
            JsonNode n = nodesNode.get(i);
            requireMapping(n, path);
            checkKeys(n, NODE_KEYS, path);
            String id = name(n, "id", path);
            Integer earlier = firstIndex.putIfAbsent(id, i);
            if (earlier != null) {
                throw error("", "duplicate node id '" + id + "' (nodes[" + earlier + "] and nodes[" + i + "])");
            }
            String host = text(n, "host", path, true);
            String leaf = name(n, "leaf", path);
            int port = port(n, path, defaultPort);
            Map<String, String> labels = new LinkedHashMap<>(defaultLabels);
            labels.putAll(labels(n, path));
            nodes.add(new NodeDescriptor(id, host, port, leaf, labels));

            ObjectNode system = n.has("system") ? systemNode(n.get("system"), path + ".system")
                    : defaultSystem == null ? null : defaultSystem.deepCopy();
            if (system != null) {
                if (!system.has("hostname")) {
                    system.put("hostname", host);
                }
                systems.put(id, toSystem(system, n.has("system") ? path + ".system" : "defaults.system"));
            }
        }
        return new ClusterDescriptor(name, nodes, systems);
    }

    private String defaultName() {
        int dot = source.lastIndexOf('.');
        return dot > 0 ? source.substring(0, dot) : source;
    }

    private ObjectNode systemNode(JsonNode node, String path) {
        requireMapping(node, path);
        checkKeys(node, SYSTEM_KEYS, path);
        for (Map.Entry<String, Set<String>> list : SYSTEM_ITEM_KEYS.entrySet()) {
            JsonNode items = node.path(list.getKey());
            for (int i = 0; i < items.size() && items.isArray(); i++) {
                String itemPath = path + "." + list.getKey() + "[" + i + "]";
                requireMapping(items.get(i), itemPath);
                checkKeys(items.get(i), list.getValue(), itemPath);
            }
        }
        return ((ObjectNode) node).deepCopy();
    }

    private SystemConfiguration toSystem(ObjectNode node, String path) {
        try {
            return SYSTEM.treeToValue(node, SystemConfiguration.class);
        } catch (UnrecognizedPropertyException e) {
            throw error(path + jsonPath(e), "unknown key '" + e.getPropertyName() + "'", e);
        } catch (MismatchedInputException e) {
            // A missing number arrives as null: say which key is missing rather than "cannot map null".
            String message = e.getOriginalMessage();
            if (message != null && message.startsWith("Cannot map `null`") && !e.getPath().isEmpty()) {
                String key = e.getPath().get(e.getPath().size() - 1).getFieldName();
                throw error(path + jsonPath(e).substring(0, jsonPath(e).length() - key.length() - 1),
                        "missing '" + key + "'", e);
            }
            throw error(path + jsonPath(e), firstLine(message), e);
        } catch (JsonMappingException e) {
            throw error(path + jsonPath(e), firstLine(e.getOriginalMessage()), e);
        } catch (JsonProcessingException e) {
            throw error(path, firstLine(e.getOriginalMessage()), e);
        }
    }

    /** Jackson's path below the system node, e.g. ".gpus[0]" (the offending key itself is left out). */
    private static String jsonPath(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        List<JsonMappingException.Reference> refs = e.getPath();
        int end = e instanceof UnrecognizedPropertyException ? refs.size() - 1 : refs.size();
        for (int i = 0; i < end; i++) {
            JsonMappingException.Reference ref = refs.get(i);
            if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            } else if (ref.getFieldName() != null) {
                path.append('.').append(ref.getFieldName());
            }
        }
        return path.toString();
    }

    private void checkKeys(JsonNode mapping, Set<String> allowed, String path) {
        for (Map.Entry<String, JsonNode> entry : mapping.properties()) {
            String key = entry.getKey();
            if (!allowed.contains(key)) {
                String names = String.join(", ", allowed.stream().sorted().toList());
                throw error(path, "unknown key '" + key + "' (allowed: " + names + ")");
            }
        }
    }

    private void requireMapping(JsonNode node, String path) {
        if (!node.isObject()) {
            throw error(path, "expected a mapping, got " + describe(node));
        }
    }

    private String text(JsonNode parent, String key, String path, boolean required) {
        JsonNode value = parent.get(key);
        if (value == null || value.isNull()) {
            if (required) {
                throw error(path, "missing '" + key + "'");
            }
            return null;
        }
        if (!value.isValueNode()) {
            throw error(path, "'" + key + "' must be a single value, got " + describe(value));
        }
        String text = value.asText().strip();
        if (text.isEmpty()) {
            throw error(path, "'" + key + "' is empty");
        }
        return text;
    }

    private String name(JsonNode parent, String key, String path) {
        String text = text(parent, key, path, true);
        if (!NAME.matcher(text).matches()) {
            throw error(path, key + " '" + text + "' may only contain letters, digits, '.', '_' and '-'");
        }
        return text;
    }

    private int port(JsonNode parent, String path, int fallback) {
        JsonNode value = parent.get("ssh_port");
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.canConvertToInt() || !value.isIntegralNumber()) {
            throw error(path, "ssh_port must be a whole number, got " + describe(value));
        }
        int port = value.intValue();
        if (port < 1 || port > 65535) {
            throw error(path, "ssh_port " + port + " out of range (1..65535)");
        }
        return port;
    }

    private Map<String, String> labels(JsonNode parent, String path) {
        JsonNode value = parent.get("labels");
        if (value == null || value.isNull()) {
            return Map.of();
        }
        if (!value.isObject()) {
            throw error(path, "labels must be a mapping of name: value, got " + describe(value));
        }
        Map<String, String> labels = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> label : value.properties()) {
            if (!label.getValue().isValueNode() || label.getValue().isNull()) {
                throw error(path + ".labels", "label '" + label.getKey() + "' must be a single value");
            }
            labels.put(label.getKey(), label.getValue().asText());
        }
        return labels;
    }

    private static String describe(JsonNode node) {
        if (node.isObject()) {
            return "a mapping";
        }
        if (node.isArray()) {
            return "a list";
        }
        return "'" + node.asText() + "'";
    }

    /** SnakeYAML's message spans several lines (context, excerpt, caret); keep the problem line. */
    private static String yamlProblem(String message) {
        if (message == null) {
            return "unreadable";
        }
        String[] lines = message.split("\\R");
        for (int i = lines.length - 1; i >= 0; i--) {
            String line = lines[i].strip();
            if (!line.isEmpty() && !line.startsWith("in 'reader'") && !line.startsWith("^")
                    && !lines[i].startsWith("    ")) {
                return line;
            }
        }
        return firstLine(message);
    }

    private static String yamlProblemOf(JsonProcessingException e) {
        String problem = yamlProblem(e.getOriginalMessage());
        return problem.startsWith("Duplicate field ") ? "duplicate key " + problem.substring(16) : problem;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "invalid value";
        }
        int nl = message.indexOf('\n');
        return (nl < 0 ? message : message.substring(0, nl)).strip();
    }

    private ClusterConfigException error(String path, String message) {
        return error(path, message, null);
    }

    private ClusterConfigException error(String path, String message, Throwable cause) {
        String where = path.isEmpty() ? source : source + ": " + path;
        return new ClusterConfigException(where + ": " + message, cause);
    }
}
