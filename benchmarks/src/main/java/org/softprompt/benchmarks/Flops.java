package org.softprompt.benchmarks;

/**
 * Floating-point operations of the benchmarked computations, counted from the matrix products alone (2 per
 * multiply-add; elementwise work, softmax and LayerNorm are left out, so achieved rates are slight
 * underestimates). Attention scores are counted over every key, causal or not, as eager attention computes them.
 */
final class Flops {
    private Flops() {}

    /**
     * One transformer forward pass: the weight products of {@code layers} layers (4d^2 attention projections and
     * 8d^2 feed-forward per token: 12 d^2 multiply-adds), the attention products q k^T and p v over
     * {@code keys} keys, and an output projection to {@code vocab} classes (0 for none).
     *
     * @return {weight products, attention products} in FLOP
     */
    static double[] forward(long batch, long tokens, long keys, long d, long layers, long vocab) {
        double weights = 2.0 * batch * tokens * (12.0 * d * d * layers + (double) d * vocab);
        double attention = 2.0 * 2.0 * batch * tokens * keys * d * layers;
        return new double[] {weights, attention};
    }

    /** Full fine-tuning: forward, then gradients with respect to both operands of every product (3x). */
    static double fullStep(double[] forward) {
        return 3 * (forward[0] + forward[1]);
    }

    /**
     * A frozen model under a trained prompt: forward, then only the activations' gradients of the weight products
     * (2x: no weight gradients), but both operands' gradients of the attention products (3x).
     */
    static double frozenStep(double[] forward) {
        return 2 * forward[0] + 3 * forward[1];
    }

    static double total(double[] forward) {
        return forward[0] + forward[1];
    }
}
