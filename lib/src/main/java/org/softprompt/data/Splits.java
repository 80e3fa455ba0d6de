package org.softprompt.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Seeded substitute splits for data sets that lack an official one. The same list and seed always give the same
 * parts: the input order is kept as read (readers read files in a fixed order) and shuffled with
 * {@code java.util.Random(seed)}, whose sequence the Java specification fixes.
 */
public final class Splits {
    private Splits() {}

    /** A copy of {@code items} in a seeded random order. */
    public static <T> List<T> shuffled(List<T> items, long seed) {
        List<T> copy = new ArrayList<>(items);
        Collections.shuffle(copy, new Random(seed));
        return List.copyOf(copy);
    }

    /**
     * Shuffles with {@code seed} and cuts into train/dev/test by fractions; test gets the rest. Part sizes are
     * {@code round(n * trainFraction)} and {@code round(n * devFraction)}.
     */
    public static <T> Split<T> byFractions(List<T> items, long seed, double trainFraction, double devFraction,
            String note) {
        checkFractions(trainFraction, devFraction);
        int n = items.size();
        int train = (int) Math.round(n * trainFraction);
        int dev = Math.min(n - train, (int) Math.round(n * devFraction));
        return byCounts(items, seed, train, dev, note);
    }

    /** Shuffles with {@code seed}; the first {@code trainCount} go to train, the next {@code devCount} to dev. */
    public static <T> Split<T> byCounts(List<T> items, long seed, int trainCount, int devCount, String note) {
        if (trainCount < 0 || devCount < 0 || trainCount + devCount > items.size()) {
            throw new IllegalArgumentException("Cannot take " + trainCount + " train and " + devCount
                    + " dev items from " + items.size());
        }
        List<T> order = shuffled(items, seed);
        return new Split<>(order.subList(0, trainCount), order.subList(trainCount, trainCount + devCount),
                order.subList(trainCount + devCount, order.size()), note);
    }

    /**
     * Holds out the last {@code testCount} items of a seeded order as test and keeps the rest as train (no dev):
     * the shape of LM-BFF's substitute test sets for MR, Subj and CR (2,000 test sentences).
     */
    public static <T> Split<T> holdOut(List<T> items, long seed, int testCount, String note) {
        return byCounts(items, seed, items.size() - testCount, 0, note);
    }

    /**
     * The first {@code size} items of a seeded order: a low-data training subset (Prefix-Tuning's 50/100/200/500
     * examples, one subset per seed).
     */
    public static <T> List<T> subsample(List<T> items, int size, long seed) {
        if (size < 0 || size > items.size()) {
            throw new IllegalArgumentException("Cannot take " + size + " of " + items.size() + " items");
        }
        return shuffled(items, seed).subList(0, size);
    }

    static void checkFractions(double trainFraction, double devFraction) {
        if (!(trainFraction >= 0 && devFraction >= 0 && trainFraction + devFraction <= 1.0 + 1e-9)) {
            throw new IllegalArgumentException("Fractions must be >= 0 and sum to at most 1, got train "
                    + trainFraction + " and dev " + devFraction);
        }
    }
}
