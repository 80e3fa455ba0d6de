package org.softprompt.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * torch.nn.functional.linear for one input row, spread over libtorch's intra-op threads.
 *
 * <p>Why: decoding one sequence with a KV cache multiplies a single row by every weight matrix, once per new token,
 * and that time is spent streaming the weights from memory (GPT-2 small: ~500 MB per token). libtorch hands a
 * one-row product to oneMKL's matrix-vector kernel, which runs on one thread however many libtorch has: on this
 * project's 2-core machine the 154 MB GPT-2 output projection took 11.7 ms with one core busy. Split into two halves
 * by output features, each half computed on its own thread at the same time, it took 7.5 ms (BENCHMARKS.md).
 * Each output element is still one dot product over the whole input, as in the single call.
 *
 * <p>It applies only where nothing records gradients (no operand requires one), so no autograd graph crosses
 * threads; elsewhere {@link Nn#linear} runs the single call.
 */
final class SingleRowProduct {
    /**
     * Below this many weight elements (32 MB) a product is not split. Measured with cold caches on this project's
     * 2-core machine ({@code RowProductBenchmark}, BENCHMARKS.md fifth run): GPT-2-small's layer products (0.6M-2.4M
     * elements) took 18 ms per token for all 12 layers as single calls and 21-28 ms split; 3.1M elements lose too
     * (0.76-0.79 ms single, 0.84-0.96 split); 6.3M gain (1.5 ms single, 1.07 split), and vocabulary projections
     * gain a third (50,257 x 768: 9.1 ms single, 5.8-6.2 split). The bound sits above the largest layer products of
     * GPT-2-medium and BERT-large (4.2M), which were not measured.
     */
    static final long MIN_WEIGHT_ELEMENTS = 1L << 23;
    /** libtorch's configured thread count, not the caller's current one (lowered during one-row decoding steps). */
    private static final int PARTS = Math.max(1, Math.min(IntraOpThreads.CONFIGURED,
            Runtime.getRuntime().availableProcessors()));
    /** Threads for all parts but the caller's; daemons, so they never keep the JVM alive. */
    private static final ExecutorService HELPERS = PARTS < 2 ? null : Executors.newFixedThreadPool(PARTS - 1, r -> {
        Thread thread = new Thread(r, "softprompt-single-row-product");
        thread.setDaemon(true);
        return thread;
    });

    private SingleRowProduct() {}

    /** Whether {@link #linear} should take this product: one row, a large weight, no gradients, threads to use. */
    static boolean applies(NDArray x, NDArray weight, NDArray bias) {
        return HELPERS != null && x.getShape().size() == x.getShape().get(x.getShape().dimension() - 1)
                && weight.getShape().size() >= MIN_WEIGHT_ELEMENTS && weight.getShape().get(0) >= PARTS
                && !x.hasGradient() && !weight.hasGradient() && (bias == null || !bias.hasGradient());
    }

    /**
     * x W^T + b for x with one row (any leading shape of ones), W [out, in], b [out] or null: the output features are
     * cut into {@code PARTS} contiguous ranges computed concurrently, then concatenated. Views and results are created
     * on the caller's thread in x's manager, as {@link Nn#linear}'s result would be.
     */
    static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        long out = weight.getShape().get(0);
        List<NDArray[]> parts = new ArrayList<>(PARTS);
        for (int p = 0; p < PARTS; p++) {
            String range = out * p / PARTS + ":" + out * (p + 1) / PARTS;
            NDArray w = weight.get(range);
            w.attach(x.getManager());
            NDArray b = null;
            if (bias != null) {
                b = bias.get(range);
                b.attach(x.getManager());
            }
            parts.add(new NDArray[] {w, b});
        }
        List<Future<NDArray>> helpers = new ArrayList<>(PARTS - 1);
        for (int p = 1; p < PARTS; p++) {
            NDArray[] part = parts.get(p);
            helpers.add(HELPERS.submit(() -> single(x, part[0], part[1])));
        }
        NDList results = new NDList(single(x, parts.get(0)[0], parts.get(0)[1]));
        try {
            for (Future<NDArray> helper : helpers) {
                results.add(helper.get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during a matrix product", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("a part of a single-row matrix product failed", e.getCause());
        }
        NDArray joined = NDArrays.concat(results, -1);
        for (NDArray[] part : parts) {
            part[0].close();
            if (part[1] != null) {
                part[1].close();
            }
        }
        results.forEach(NDArray::close);
        return joined;
    }

    private static NDArray single(NDArray x, NDArray weight, NDArray bias) {
        return x.getNDArrayInternal().linear(x, weight, bias).singletonOrThrow();
    }
}
