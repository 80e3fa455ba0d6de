package org.softprompt.metric;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Precision at k as the LAMA probe reports it: a fact counts as correct when its gold object is among the model's
 * k highest-ranked predictions (compared exactly, as LAMA compares vocabulary tokens); P@k is the fraction of
 * correct facts. LAMA's tables give P@1 averaged over the facts of each relation and then over relations, which
 * {@link #meanOverRelations} computes.
 */
public final class PrecisionAtK {

    /**
     * @param perRelation P@1 of each relation, in order of first appearance
     * @param mean        the unweighted mean over relations
     */
    public record ByRelation(Map<String, Double> perRelation, double mean) {
    }

    private PrecisionAtK() {
    }

    /** P@1 over facts: the fraction whose top prediction equals the gold object. */
    public static double atOne(List<String> topPredictions, List<String> goldObjects) {
        if (topPredictions == null || goldObjects == null || topPredictions.size() != goldObjects.size()) {
            throw new IllegalArgumentException("topPredictions and goldObjects must be parallel lists");
        }
        if (goldObjects.isEmpty()) {
            throw new IllegalArgumentException("precision@1 of no facts is undefined");
        }
        int correct = 0;
        for (int i = 0; i < goldObjects.size(); i++) {
            if (goldObjects.get(i) == null) {
                throw new IllegalArgumentException("goldObjects[" + i + "] is null");
            }
            if (goldObjects.get(i).equals(topPredictions.get(i))) {
                correct++;
            }
        }
        return (double) correct / goldObjects.size();
    }

    /** P@k over facts, from each fact's ranked predictions (best first). */
    public static double atK(List<? extends List<String>> rankedPredictions, List<String> goldObjects, int k) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, got " + k);
        }
        if (rankedPredictions == null || goldObjects == null || rankedPredictions.size() != goldObjects.size()) {
            throw new IllegalArgumentException("rankedPredictions and goldObjects must be parallel lists");
        }
        if (goldObjects.isEmpty()) {
            throw new IllegalArgumentException("precision@k of no facts is undefined");
        }
        int correct = 0;
        for (int i = 0; i < goldObjects.size(); i++) {
            List<String> ranked = rankedPredictions.get(i);
            List<String> top = ranked.subList(0, Math.min(k, ranked.size()));
            if (top.contains(goldObjects.get(i))) {
                correct++;
            }
        }
        return (double) correct / goldObjects.size();
    }

    /**
     * P@1 per relation and its mean over relations (LAMA's aggregate).
     *
     * @param relations      the relation of each fact (e.g. Wikidata property ids)
     * @param topPredictions each fact's top prediction
     * @param goldObjects    each fact's gold object
     */
    public static ByRelation meanOverRelations(List<String> relations, List<String> topPredictions,
                                               List<String> goldObjects) {
        atOne(topPredictions, goldObjects); // validates the lists
        if (relations == null || relations.size() != goldObjects.size()) {
            throw new IllegalArgumentException("relations must be parallel to goldObjects");
        }
        Map<String, int[]> counts = new LinkedHashMap<>();
        for (int i = 0; i < relations.size(); i++) {
            int[] c = counts.computeIfAbsent(relations.get(i), r -> new int[2]);
            c[1]++;
            if (goldObjects.get(i).equals(topPredictions.get(i))) {
                c[0]++;
            }
        }
        Map<String, Double> perRelation = new LinkedHashMap<>();
        double sum = 0;
        for (Map.Entry<String, int[]> e : counts.entrySet()) {
            double p = (double) e.getValue()[0] / e.getValue()[1];
            perRelation.put(e.getKey(), p);
            sum += p;
        }
        return new ByRelation(java.util.Collections.unmodifiableMap(perRelation), sum / counts.size());
    }
}
