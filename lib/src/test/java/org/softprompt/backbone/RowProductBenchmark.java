package org.softprompt.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.Locale;

import org.softprompt.Engines;

/**
 * One-row matrix products as cached decoding of one sequence runs them, single call against {@link SingleRowProduct}'s
 * split over two threads, with the weights cold in the CPU caches as in a real decoding step: the measurement behind
 * {@link SingleRowProduct#MIN_WEIGHT_ELEMENTS}. Not a test (no assertions, timing only); BENCHMARKS.md gives the
 * command and the numbers.
 *
 * <p>Part 1 streams GPT-2-small's 12 layers of Conv1D weights (768 x 2304, 768 x 768, 768 x 3072, 3072 x 768: 340 MB,
 * so every product reads its weight from memory) in decoding order. Part 2 times output projections of growing size
 * ([out, 768], several copies so that the weights do not stay cached).
 */
public final class RowProductBenchmark {
    private RowProductBenchmark() {}

    public static void main(String[] args) {
        int tokens = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        Engines.pytorch();
        long[][] layerShapes = {{768, 2304}, {768, 768}, {768, 3072}, {3072, 768}};
        try (NDManager m = Engines.newManager()) {
            NDArray[][] weights = new NDArray[12][4];
            NDArray[][] biases = new NDArray[12][4];
            for (int layer = 0; layer < 12; layer++) {
                for (int k = 0; k < 4; k++) {
                    weights[layer][k] = m.randomUniform(-1, 1, new Shape(layerShapes[k][0], layerShapes[k][1]));
                    biases[layer][k] = m.randomUniform(-1, 1, new Shape(layerShapes[k][1]));
                }
            }
            NDArray x768 = m.randomUniform(-1, 1, new Shape(1, 1, 768));
            NDArray x3072 = m.randomUniform(-1, 1, new Shape(1, 1, 3072));
            for (int repeat = 0; repeat < 3; repeat++) {
                for (boolean split : new boolean[] {false, true}) {
                    long[] perShape = new long[4];
                    long start = System.nanoTime();
                    for (int t = 0; t < tokens; t++) {
                        for (int layer = 0; layer < 12; layer++) {
                            for (int k = 0; k < 4; k++) {
                                long t0 = System.nanoTime();
                                try (NDManager scope = m.newSubManager()) {
                                    NDArray x = Nn.local(scope, k == 3 ? x3072 : x768);
                                    NDArray w = weights[layer][k].transpose(); // GPT-2's Conv1D: x W + b
                                    w.attach(scope);
                                    NDArray y = split ? SingleRowProduct.linear(x, w, biases[layer][k])
                                            : x.getNDArrayInternal().linear(x, w, biases[layer][k]).singletonOrThrow();
                                    y.getFloat(0, 0, 0);
                                }
                                perShape[k] += System.nanoTime() - t0;
                            }
                        }
                    }
                    double perToken = (System.nanoTime() - start) / 1e6 / tokens;
                    System.out.printf(Locale.ROOT, "GPT-2-small layers, %s: %.1f ms per token; per product (us): "
                            + "c_attn %.0f, attn c_proj %.0f, c_fc %.0f, mlp c_proj %.0f%n",
                            split ? "split over 2 threads" : "single call  ", perToken, perShape[0] / 12e3 / tokens,
                            perShape[1] / 12e3 / tokens, perShape[2] / 12e3 / tokens, perShape[3] / 12e3 / tokens);
                }
            }
            for (long out : new long[] {4096, 8192, 16384, 50257}) {
                int copies = (int) Math.max(2, (300L << 20) / (out * 768 * 4));
                NDArray[] w = new NDArray[copies];
                for (int c = 0; c < copies; c++) {
                    w[c] = m.randomUniform(-1, 1, new Shape(out, 768));
                }
                for (int repeat = 0; repeat < 2; repeat++) {
                    for (boolean split : new boolean[] {false, true}) {
                        int n = 40;
                        long total = 0;
                        for (int i = 0; i < n; i++) {
                            long t0 = System.nanoTime();
                            try (NDManager scope = m.newSubManager()) {
                                NDArray x = Nn.local(scope, x768);
                                NDArray y = split ? SingleRowProduct.linear(x, w[i % copies], null)
                                        : x.getNDArrayInternal().linear(x, w[i % copies], null).singletonOrThrow();
                                y.getFloat(0, 0, 0);
                            }
                            total += System.nanoTime() - t0;
                        }
                        double us = total / 1e3 / n;
                        System.out.printf(Locale.ROOT, "[%d, 768] (%.1fM elements, %d copies), %s: %.0f us, %.1f GB/s%n",
                                out, out * 768 / 1e6, copies, split ? "split over 2 threads" : "single call  ", us,
                                out * 768 * 4 / (us * 1e3));
                    }
                }
            }
        }
    }
}
