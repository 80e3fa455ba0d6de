package org.softprompt.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FewShotTest {
    record Item(int id, String label) {}

    private static List<Item> items() {
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            items.add(new Item(i, i % 10 == 0 ? "rare" : i % 2 == 0 ? "even" : "odd"));
        }
        return items;
    }

    @Test
    void balancedDisjointAndSeeded() {
        List<Item> items = items();
        FewShot.Sample<Item> sample = FewShot.trainAndDev(items, Item::label, 4, 13);
        assertEquals(Map.of("even", 4, "odd", 4, "rare", 4), FewShot.counts(sample.train(), Item::label));
        assertEquals(Map.of("even", 4, "odd", 4, "rare", 4), FewShot.counts(sample.dev(), Item::label));
        Set<Item> train = new HashSet<>(sample.train());
        assertEquals(12, train.size());
        assertTrue(sample.dev().stream().noneMatch(train::contains));
        assertTrue(items.containsAll(sample.train()) && items.containsAll(sample.dev()));

        assertEquals(sample, FewShot.trainAndDev(items, Item::label, 4, 13));
        List<FewShot.Sample<Item>> seeds = FewShot.trainAndDev(items, Item::label, 4, 13, 21, 42, 87, 100);
        assertEquals(5, seeds.size());
        assertEquals(sample, seeds.get(0));
        assertNotEquals(new HashSet<>(seeds.get(0).train()), new HashSet<>(seeds.get(1).train()));

        List<Item> one = FewShot.sample(items, Item::label, 10, 5);
        assertEquals(Map.of("even", 10, "odd", 10, "rare", 10), FewShot.counts(one, Item::label));
        assertEquals(30, new HashSet<>(one).size());
    }

    @Test
    void tooFewItemsOfAClassIsAnError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FewShot.trainAndDev(items(), Item::label, 6, 1));
        assertTrue(e.getMessage().contains("'rare' has 10"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FewShot.sample(List.<Item>of(), Item::label, 1, 1));
    }

    @Test
    void splitsAreSeededDisjointAndCovering() {
        List<Integer> numbers = new ArrayList<>();
        for (int i = 0; i < 103; i++) {
            numbers.add(i);
        }
        Split<Integer> split = Splits.byFractions(numbers, 9, 0.5, 0.1, "test split");
        assertEquals(52, split.train().size());
        assertEquals(10, split.dev().size());
        assertEquals(41, split.test().size());
        Set<Integer> all = new HashSet<>(split.train());
        all.addAll(split.dev());
        all.addAll(split.test());
        assertEquals(new HashSet<>(numbers), all);
        BbcNewsTest.assertDisjoint(split);
        assertEquals(split, Splits.byFractions(numbers, 9, 0.5, 0.1, "test split"));
        assertNotEquals(split.train(), Splits.byFractions(numbers, 10, 0.5, 0.1, "test split").train());
        assertThrows(IllegalArgumentException.class, () -> Splits.byFractions(numbers, 1, 0.8, 0.3, "x"));
        assertThrows(IllegalArgumentException.class, () -> new Split<>(List.of(), List.of(), List.of(), " "));
        List<Integer> small = Splits.subsample(numbers, 50, 3);
        assertEquals(50, new HashSet<>(small).size());
        assertEquals(small, Splits.subsample(numbers, 50, 3));
        assertEquals(small.subList(0, 20), Splits.subsample(numbers, 20, 3));
        assertNotEquals(small, Splits.subsample(numbers, 50, 4));
    }

    /** 100 items (10 rare, 40 even, 50 odd) in 4 folds: a partition, each label spread within one item per fold. */
    @Test
    void foldsAreStratifiedSeededPartitions() {
        List<Item> items = items();
        List<List<Item>> folds = FewShot.folds(items, Item::label, 4, 7);
        assertEquals(4, folds.size());
        Set<Item> seen = new HashSet<>();
        for (List<Item> fold : folds) {
            assertEquals(25, fold.size());
            seen.addAll(fold);
            Map<String, Integer> counts = FewShot.counts(fold, Item::label);
            assertTrue(counts.get("rare") >= 2 && counts.get("rare") <= 3, counts.toString());
            assertEquals(10, counts.get("even"), counts.toString());
            assertTrue(counts.get("odd") >= 12 && counts.get("odd") <= 13, counts.toString());
        }
        assertEquals(new HashSet<>(items), seen);
        assertEquals(folds, FewShot.folds(items, Item::label, 4, 7));
        assertNotEquals(folds, FewShot.folds(items, Item::label, 4, 8));
        List<Item> training = FewShot.allBut(folds, 1);
        assertEquals(75, training.size());
        assertTrue(training.stream().noneMatch(folds.get(1)::contains));
        assertThrows(IllegalArgumentException.class, () -> FewShot.folds(items, Item::label, 1, 7));
    }
}
