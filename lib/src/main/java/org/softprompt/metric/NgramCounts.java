package org.softprompt.metric;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Word n-gram counting shared by the n-gram metrics. N-grams are keyed by their tokens joined with a single space,
 * which is unambiguous because tokens never contain whitespace. Insertion order is kept (order 1 first, then by
 * position) because some references sum floating-point values in that order.
 */
final class NgramCounts {

    private NgramCounts() {
    }

    /** Counts of all n-grams of orders {@code minOrder..maxOrder}, lower orders first, then by position. */
    static Map<String, Integer> allOrders(List<String> tokens, int minOrder, int maxOrder) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (int n = minOrder; n <= maxOrder; n++) {
            addOrder(tokens, n, counts);
        }
        return counts;
    }

    /** Counts of the n-grams of one order, by position. */
    static Map<String, Integer> ofOrder(List<String> tokens, int n) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        addOrder(tokens, n, counts);
        return counts;
    }

    private static void addOrder(List<String> tokens, int n, Map<String, Integer> counts) {
        for (int i = 0; i + n <= tokens.size(); i++) {
            counts.merge(String.join(" ", tokens.subList(i, i + n)), 1, Integer::sum);
        }
    }

    /** The order of an n-gram key made by this class. */
    static int order(String ngram) {
        int order = 1;
        for (int i = 0; i < ngram.length(); i++) {
            if (ngram.charAt(i) == ' ') {
                order++;
            }
        }
        return order;
    }
}
