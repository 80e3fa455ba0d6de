package org.softprompt.data;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Few-shot samples of a labelled list: {@code k} examples per class, drawn without replacement with a seed, the
 * way LM-BFF / null-prompt experiments draw their K-shot training and development sets (several seeds, and a
 * dev set of the same size disjoint from train).
 */
public final class FewShot {
    private FewShot() {}

    /** A few-shot training set and a disjoint few-shot dev set of the same per-class size. */
    public record Sample<T>(List<T> train, List<T> dev, long seed, int perClass) {
        public Sample {
            train = List.copyOf(train);
            dev = List.copyOf(dev);
        }
    }

    /**
     * {@code perClass} items of every label, without replacement. Classes appear in label order (sorted) and items
     * of a class in the order drawn; the result is then shuffled with the same seed so batches mix classes.
     *
     * @throws IllegalArgumentException if some class has fewer than {@code perClass} items
     */
    public static <T> List<T> sample(List<T> items, Function<T, String> label, int perClass, long seed) {
        return draw(items, label, perClass, 1, seed).get(0);
    }

    /** Disjoint train and dev samples, each with {@code perClass} items per class (LM-BFF's |D_dev| = |D_train|). */
    public static <T> Sample<T> trainAndDev(List<T> items, Function<T, String> label, int perClass, long seed) {
        List<List<T>> parts = draw(items, label, perClass, 2, seed);
        return new Sample<>(parts.get(0), parts.get(1), seed, perClass);
    }

    /** One {@link #trainAndDev} sample per seed, e.g. seeds 13, 21, 42, 87, 100 as in LM-BFF. */
    public static <T> List<Sample<T>> trainAndDev(List<T> items, Function<T, String> label, int perClass,
            long... seeds) {
        List<Sample<T>> samples = new ArrayList<>();
        for (long seed : seeds) {
            samples.add(trainAndDev(items, label, perClass, seed));
        }
        return List.copyOf(samples);
    }

    /** Items grouped by label, labels sorted, each group in input order. */
    public static <T> Map<String, List<T>> byLabel(List<T> items, Function<T, String> label) {
        Map<String, List<T>> groups = new TreeMap<>();
        for (T item : items) {
            String value = label.apply(item);
            if (value == null) {
                throw new IllegalArgumentException("Item without a label: " + item);
            }
            groups.computeIfAbsent(value, k -> new ArrayList<>()).add(item);
        }
        Map<String, List<T>> frozen = new LinkedHashMap<>();
        groups.forEach((k, v) -> frozen.put(k, List.copyOf(v)));
        return frozen;
    }

    /** Label counts, labels sorted. */
    public static <T> Map<String, Integer> counts(List<T> items, Function<T, String> label) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        byLabel(items, label).forEach((k, v) -> counts.put(k, v.size()));
        return counts;
    }

    /**
     * Stratified k-fold cross-validation of a (few-shot) training set: the items of each label are shuffled with
     * {@code seed} and dealt round-robin to the {@code k} folds, so every fold holds each label as evenly as
     * possible. Fold {@code i} is the held-out part of round {@code i}; {@link #allBut} gives its training part.
     */
    public static <T> List<List<T>> folds(List<T> items, Function<T, String> label, int k, long seed) {
        if (k < 2 || k > items.size()) {
            throw new IllegalArgumentException("k-fold needs 2 <= k <= " + items.size() + " (the items), got " + k);
        }
        Random random = new Random(seed);
        List<List<T>> folds = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            folds.add(new ArrayList<>());
        }
        int next = 0;
        for (List<T> group : byLabel(items, label).values()) {
            List<T> members = new ArrayList<>(group);
            java.util.Collections.shuffle(members, random);
            for (T item : members) {
                folds.get(next).add(item);
                next = (next + 1) % k;
            }
        }
        return folds.stream().map(List::copyOf).toList();
    }

    /** Every fold but {@code heldOut}, concatenated: the training part of a cross-validation round. */
    public static <T> List<T> allBut(List<List<T>> folds, int heldOut) {
        List<T> out = new ArrayList<>();
        for (int i = 0; i < folds.size(); i++) {
            if (i != heldOut) {
                out.addAll(folds.get(i));
            }
        }
        return List.copyOf(out);
    }

    private static <T> List<List<T>> draw(List<T> items, Function<T, String> label, int perClass, int parts,
            long seed) {
        if (perClass <= 0) {
            throw new IllegalArgumentException("perClass must be positive, got " + perClass);
        }
        Map<String, List<T>> groups = byLabel(items, label);
        if (groups.isEmpty()) {
            throw new IllegalArgumentException("Cannot sample from an empty list");
        }
        Random random = new Random(seed);
        List<List<T>> out = new ArrayList<>();
        for (int p = 0; p < parts; p++) {
            out.add(new ArrayList<>());
        }
        for (Map.Entry<String, List<T>> group : groups.entrySet()) {
            List<T> members = new ArrayList<>(group.getValue());
            if (members.size() < perClass * parts) {
                throw new IllegalArgumentException("Class '" + group.getKey() + "' has " + members.size()
                        + " items, fewer than the " + perClass * parts + " needed (" + perClass + " per class x "
                        + parts + (parts == 1 ? " sample)" : " disjoint samples)"));
            }
            java.util.Collections.shuffle(members, random);
            for (int p = 0; p < parts; p++) {
                out.get(p).addAll(members.subList(p * perClass, (p + 1) * perClass));
            }
        }
        List<List<T>> result = new ArrayList<>();
        for (List<T> part : out) {
            java.util.Collections.shuffle(part, random);
            result.add(List.copyOf(part));
        }
        return result;
    }
}
