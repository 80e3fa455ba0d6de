package org.softprompt.method.deep;

import java.util.Arrays;

/**
 * Which layers receive deep prompts. Layer indices are 0-based, as everywhere in the backbone (layer 0 is the first
 * encoder layer); the P-tuning v2 paper counts from 1, so its "ascending" depth ablation (prompts in layers 1..k) is
 * {@link #first first(k)} and its "descending" one (layers L-k+1..L, the top k) is {@link #last last(k)}.
 */
public final class Layers {
    private enum Kind { ALL, FIRST, LAST, EXPLICIT }

    private final Kind kind;
    private final int count;
    private final int[] explicit;

    private Layers(Kind kind, int count, int[] explicit) {
        this.kind = kind;
        this.count = count;
        this.explicit = explicit;
    }

    /** Every layer (P-tuning v2's default). */
    public static Layers all() {
        return new Layers(Kind.ALL, 0, null);
    }

    /** The lowest {@code k} layers, 0..k-1 (the paper's ascending 1..k). */
    public static Layers first(int k) {
        if (k < 0) {
            throw new IllegalArgumentException("first(k) needs k >= 0, got " + k);
        }
        return new Layers(Kind.FIRST, k, null);
    }

    /** The top {@code k} layers, L-k..L-1 (the paper's descending L-k+1..L). */
    public static Layers last(int k) {
        if (k < 0) {
            throw new IllegalArgumentException("last(k) needs k >= 0, got " + k);
        }
        return new Layers(Kind.LAST, k, null);
    }

    /** The given 0-based layers, in any order, without repeats. */
    public static Layers of(int... layers) {
        int[] sorted = layers.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
            if (sorted[i] < 0) {
                throw new IllegalArgumentException("layer indices are 0-based and >= 0, got " + sorted[i]);
            }
            if (i > 0 && sorted[i] == sorted[i - 1]) {
                throw new IllegalArgumentException("layer " + sorted[i] + " is listed twice");
            }
        }
        return new Layers(Kind.EXPLICIT, sorted.length, sorted);
    }

    /** The chosen 0-based layer indices for a model of {@code numLayers} layers, ascending. */
    public int[] resolve(int numLayers) {
        switch (kind) {
            case ALL:
                return range(0, numLayers);
            case FIRST:
                requireAtMost(numLayers);
                return range(0, count);
            case LAST:
                requireAtMost(numLayers);
                return range(numLayers - count, numLayers);
            default:
                for (int layer : explicit) {
                    if (layer >= numLayers) {
                        throw new IllegalArgumentException("layer " + layer + " does not exist: the model has "
                                + numLayers + " layers (0.." + (numLayers - 1) + ")");
                    }
                }
                return explicit.clone();
        }
    }

    private void requireAtMost(int numLayers) {
        if (count > numLayers) {
            throw new IllegalArgumentException(this + " asks for " + count + " layers; the model has " + numLayers);
        }
    }

    private static int[] range(int from, int to) {
        int[] layers = new int[to - from];
        for (int i = 0; i < layers.length; i++) {
            layers[i] = from + i;
        }
        return layers;
    }

    @Override
    public String toString() {
        return switch (kind) {
            case ALL -> "all()";
            case FIRST -> "first(" + count + ")";
            case LAST -> "last(" + count + ")";
            case EXPLICIT -> "of" + Arrays.toString(explicit);
        };
    }
}
