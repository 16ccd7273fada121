package io.zcl.runner.schedule;

import java.util.ArrayList;
import java.util.List;

/**
 * Round-robin pairing (the circle method): fix the first item, rotate the rest one place per
 * round, pair the i-th from the front with the i-th from the back. n items (n even) give n-1
 * rounds of n/2 disjoint pairs in which every pair meets exactly once; an odd n gets a "bye"
 * slot, so n rounds of (n-1)/2 pairs, each item sitting out once.
 */
final class CircleMethod {

    private CircleMethod() {
    }

    /** Rounds of pairs; each pair is [earlier item in the input order, later item]. */
    static <T> List<List<List<T>>> pairings(List<T> items) {
        // The circle holds positions into items; -1 is the bye.
        List<Integer> circle = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            circle.add(i);
        }
        if (circle.size() % 2 == 1) {
            circle.add(-1);
        }
        int n = circle.size();
        List<List<List<T>>> rounds = new ArrayList<>();
        for (int round = 0; round < n - 1; round++) {
            List<List<T>> pairs = new ArrayList<>();
            for (int i = 0; i < n / 2; i++) {
                int a = circle.get(i);
                int b = circle.get(n - 1 - i);
                if (a >= 0 && b >= 0) {
                    pairs.add(List.of(items.get(Math.min(a, b)), items.get(Math.max(a, b))));
                }
            }
            rounds.add(pairs);
            circle.add(1, circle.remove(n - 1));
        }
        return rounds;
    }
}
