package io.zcl.runner.schedule;

import io.zcl.runner.api.NodeDescriptor;
import io.zcl.runner.cluster.ClusterDescriptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ScheduleTest {

    /** Nodes on leaves of the given sizes: sizes 3,1,2 give leaf-1 = n1..n3, leaf-2 = n4, leaf-3 = n5,n6. */
    static List<NodeDescriptor> leaves(int... sizes) {
        List<NodeDescriptor> nodes = new ArrayList<>();
        for (int leaf = 0; leaf < sizes.length; leaf++) {
            for (int i = 0; i < sizes[leaf]; i++) {
                nodes.add(new NodeDescriptor("n" + (nodes.size() + 1), "127.0.0.1", 22, "leaf-" + (leaf + 1), Map.of()));
            }
        }
        return nodes;
    }

    static void assertNoNodeTwiceInARound(List<Round> rounds) {
        for (Round round : rounds) {
            List<String> all = round.groups().stream().flatMap(List::stream).toList();
            assertThat(all).as("round %d", round.index()).doesNotHaveDuplicates();
        }
        assertThat(rounds).extracting(Round::index).containsExactlyElementsOf(
                java.util.stream.IntStream.range(0, rounds.size()).boxed().toList());
    }

    @Test
    void allServersRunsEveryNodeAloneInOneRound() {
        List<Round> rounds = Schedule.allServers().rounds(leaves(3, 1, 2));

        assertThat(rounds).singleElement().satisfies(r -> assertThat(r.groups()).containsExactly(
                List.of("n1"), List.of("n2"), List.of("n3"), List.of("n4"), List.of("n5"), List.of("n6")));
    }

    @Test
    void oneNodeIsFineAloneButNotForPairs() {
        assertThat(Schedule.allServers().rounds(leaves(1))).singleElement()
                .satisfies(r -> assertThat(r.groups()).containsExactly(List.of("n1")));
        assertThatThrownBy(() -> Schedule.allPairs().rounds(leaves(1)))
                .hasMessage("all_pairs: needs at least 2 nodes, got 1 (n1)");
        assertThatThrownBy(() -> Schedule.increasingSizeGroups().rounds(leaves(1)))
                .hasMessage("increasing_size_groups: needs at least 2 nodes, got 1 (n1)");
        assertThatThrownBy(() -> Schedule.leafToLeafPairs().rounds(leaves(1)))
                .hasMessage("leaf_to_leaf_pairs: needs nodes on at least 2 leaves; all 1 node(s) are on leaf 'leaf-1'");
    }

    @Test
    void zeroNodesIsAClearError() {
        for (String name : Schedule.names()) {
            assertThatThrownBy(() -> Schedule.byName(name).rounds(List.of()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage(name + ": no nodes to schedule");
        }
    }

    @Test
    void duplicateNodesAreRejected() {
        List<NodeDescriptor> nodes = new ArrayList<>(leaves(2));
        nodes.add(nodes.get(0));
        assertThatThrownBy(() -> Schedule.allServers().rounds(nodes)).hasMessage("all_servers: node 'n1' is listed twice");
    }

    @Test
    void unknownScheduleNamesListTheKnownOnes() {
        assertThatThrownBy(() -> Schedule.byName("random"))
                .hasMessage("unknown schedule 'random'; known: all_servers, leaf_to_leaf_pairs, increasing_size_groups, all_pairs");
        assertThat(Schedule.names()).allSatisfy(name -> assertThat(Schedule.byName(name).name()).isEqualTo(name));
    }

    @Test
    void leafToLeafOnASingleLeafIsAClearError() {
        assertThatThrownBy(() -> Schedule.leafToLeafPairs().rounds(leaves(4)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("leaf_to_leaf_pairs: needs nodes on at least 2 leaves; all 4 node(s) are on leaf 'leaf-1'");
    }

    @ParameterizedTest(name = "leaf sizes {0}")
    @ValueSource(strings = {"1,1", "3,1,2", "2,2,2,2", "4,4", "5,1,1,3,2", "1,6", "3,3,3,3,3,3,3"})
    void leafToLeafPairsCrossLeavesAndCoverEveryLeafPair(String sizes) {
        List<NodeDescriptor> nodes = leaves(java.util.Arrays.stream(sizes.split(",")).mapToInt(Integer::parseInt).toArray());
        Map<String, String> leafOf = nodes.stream().collect(Collectors.toMap(NodeDescriptor::id, NodeDescriptor::leaf));
        int leafCount = (int) nodes.stream().map(NodeDescriptor::leaf).distinct().count();

        List<Round> rounds = Schedule.leafToLeafPairs().rounds(nodes);

        assertNoNodeTwiceInARound(rounds);
        Set<Set<String>> leafPairs = new HashSet<>();
        for (Round round : rounds) {
            for (List<String> pair : round.groups()) {
                assertThat(pair).hasSize(2);
                assertThat(leafOf.get(pair.get(0))).as("pair %s", pair).isNotEqualTo(leafOf.get(pair.get(1)));
                leafPairs.add(Set.of(leafOf.get(pair.get(0)), leafOf.get(pair.get(1))));
            }
        }
        assertThat(leafPairs).hasSize(leafCount * (leafCount - 1) / 2);
        assertThat(rounds).hasSize(leafCount % 2 == 0 ? leafCount - 1 : leafCount);
    }

    @Test
    void leafToLeafPairsUseAllNodesOfTheSmallerLeafAndTakeTheBiggerLeafsNodesInTurn() {
        List<Round> rounds = Schedule.leafToLeafPairs().rounds(leaves(3, 1, 2));

        // leaves 1,2,3 (odd): each round one meeting and one idle leaf.
        Map<Set<String>, List<List<String>>> meetings = new HashMap<>();
        for (Round round : rounds) {
            for (List<String> pair : round.groups()) {
                meetings.computeIfAbsent(Set.of(leaf(pair.get(0)), leaf(pair.get(1))), k -> new ArrayList<>()).add(pair);
            }
        }
        assertThat(meetings.get(Set.of("leaf-1", "leaf-3"))).hasSize(2);
        assertThat(meetings.get(Set.of("leaf-1", "leaf-2"))).hasSize(1);
        assertThat(meetings.get(Set.of("leaf-2", "leaf-3"))).hasSize(1);
        Set<String> used = rounds.stream().flatMap(r -> r.groups().stream()).flatMap(List::stream).collect(Collectors.toSet());
        assertThat(used).containsExactlyInAnyOrder("n1", "n2", "n3", "n4", "n5", "n6");
    }

    private static String leaf(String id) {
        int n = Integer.parseInt(id.substring(1));
        return n <= 3 ? "leaf-1" : n == 4 ? "leaf-2" : "leaf-3";
    }

    @ParameterizedTest(name = "n = {0}")
    @ValueSource(ints = {2, 4, 6, 8, 16, 32})
    void allPairsMeetsEveryPairExactlyOnceInNMinusOneRounds(int n) {
        List<Round> rounds = Schedule.allPairs().rounds(leaves(n));

        assertThat(rounds).hasSize(n - 1);
        assertNoNodeTwiceInARound(rounds);
        assertThat(rounds).allSatisfy(r -> assertThat(r.groups()).hasSize(n / 2));
        List<Set<String>> pairs = rounds.stream().flatMap(r -> r.groups().stream()).map(Set::copyOf).toList();
        assertThat(pairs).doesNotHaveDuplicates().hasSize(n * (n - 1) / 2);
    }

    @ParameterizedTest(name = "n = {0}")
    @ValueSource(ints = {3, 5, 7})
    void allPairsWithOddNGivesEachNodeOneBye(int n) {
        List<Round> rounds = Schedule.allPairs().rounds(leaves(n));

        assertThat(rounds).hasSize(n);
        assertNoNodeTwiceInARound(rounds);
        List<Set<String>> pairs = rounds.stream().flatMap(r -> r.groups().stream()).map(Set::copyOf).toList();
        assertThat(pairs).doesNotHaveDuplicates().hasSize(n * (n - 1) / 2);
        for (Round round : rounds) {
            assertThat(round.groups()).hasSize((n - 1) / 2);
        }
    }

    @Test
    void increasingSizesArePowersOfTwoThenN() {
        assertThat(IncreasingSizeGroups.sizes(2)).containsExactly(2);
        assertThat(IncreasingSizeGroups.sizes(3)).containsExactly(2, 3);
        assertThat(IncreasingSizeGroups.sizes(8)).containsExactly(2, 4, 8);
        assertThat(IncreasingSizeGroups.sizes(12)).containsExactly(2, 4, 8, 12);
        assertThat(IncreasingSizeGroups.sizes(1024)).containsExactly(2, 4, 8, 16, 32, 64, 128, 256, 512, 1024);
    }

    @Test
    void increasingSizeGroupsFillEachRoundWithDisjointGroupsSpreadAcrossLeaves() {
        List<NodeDescriptor> nodes = ClusterDescriptor.simulated(12, 3).nodes();
        Map<String, String> leafOf = nodes.stream().collect(Collectors.toMap(NodeDescriptor::id, NodeDescriptor::leaf));

        List<Round> rounds = Schedule.increasingSizeGroups().rounds(nodes);

        assertNoNodeTwiceInARound(rounds);
        assertThat(rounds).extracting(r -> r.groups().get(0).size()).containsExactly(2, 4, 8, 12);
        assertThat(rounds).extracting(r -> r.groups().size()).containsExactly(6, 3, 1, 1);
        for (Round round : rounds) {
            for (List<String> group : round.groups()) {
                long leavesInGroup = group.stream().map(leafOf::get).distinct().count();
                assertThat(leavesInGroup).as("group %s", group).isEqualTo(Math.min(group.size(), 3));
            }
        }
        assertThat(rounds.get(3).groups().get(0)).containsExactlyInAnyOrderElementsOf(leafOf.keySet());
    }

    @Test
    void increasingSizeGroupsWithUnevenLeaves() {
        List<Round> rounds = Schedule.increasingSizeGroups().rounds(leaves(3, 1, 2));

        assertNoNodeTwiceInARound(rounds);
        assertThat(rounds.get(0).groups()).containsExactly(List.of("n1", "n4"), List.of("n5", "n2"), List.of("n6", "n3"));
        assertThat(rounds.get(1).groups()).containsExactly(List.of("n1", "n4", "n5", "n2"));
        assertThat(rounds.get(2).groups()).singleElement().satisfies(g -> assertThat(g).hasSize(6));
    }
}
