package org.softprompt.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import org.softprompt.Engines;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;

/**
 * Not a test: times eval forward passes (no gradient, no dropout) of full-size random backbones, batch 8 x 128
 * tokens, and the load of a saved BERT-base checkpoint. Medians over repeats after warm-up.
 *
 * <pre>
 * cd lib && mvn -q -o test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java -Xmx4g -cp target/classes:target/test-classes:$(cat target/cp.txt) \
 *     org.softprompt.backbone.ForwardBenchmark [repeats]
 * </pre>
 */
public final class ForwardBenchmark {
    private static final int BATCH = 8;
    private static final int LENGTH = 128;

    private ForwardBenchmark() {}

    public static void main(String[] args) throws Exception {
        int repeats = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int warmup = 2;
        Engines.pytorch();
        System.out.printf("threads: ai.djl.pytorch.num_threads=%s, cores=%d%n",
                System.getProperty("ai.djl.pytorch.num_threads", "default"),
                Runtime.getRuntime().availableProcessors());
        try (NDManager manager = Engines.newManager()) {
            BertConfig bertBase = BertConfig.of(30522, 768, 12, 12, 3072, 512);
            long start = System.nanoTime();
            try (Bert bert = Bert.random(bertBase, manager, 1)) {
                System.out.printf("BERT-base random init: %.1f s, %,d parameters%n", seconds(start),
                        bert.weights().parameterCount());
                NDArray ids = manager.randomInteger(0, 30522, new Shape(BATCH, LENGTH), DataType.INT64);
                NDArray mask = manager.ones(new Shape(BATCH, LENGTH));
                measure("BERT-base encoder + MLM head, 8 x 128, eval", repeats, warmup, step -> timed(() ->
                        bert.forward(ForwardInput.ofIds(local(ids, step)).withAttentionMask(mask)).logits()));
                measure("BERT-base encoder only (no MLM head), 8 x 128, eval", repeats, warmup, step -> timed(() ->
                        bert.forward(ForwardInput.ofIds(local(ids, step)).withAttentionMask(mask).withLogits(false))
                                .lastHiddenState()));
                timeLoad(bert, manager);
            }
            Gpt2Config gpt2Small = Gpt2Config.of(50257, 1024, 768, 12, 12);
            start = System.nanoTime();
            try (Gpt2 gpt2 = Gpt2.random(gpt2Small, manager, 2)) {
                System.out.printf("GPT-2-small random init: %.1f s, %,d parameters%n", seconds(start),
                        gpt2.weights().parameterCount());
                NDArray ids = manager.randomInteger(0, 50257, new Shape(BATCH, LENGTH), DataType.INT64);
                measure("GPT-2-small with LM head (vocab 50257), 8 x 128, eval", repeats, warmup, step -> timed(() ->
                        gpt2.forward(ForwardInput.ofIds(local(ids, step))).logits()));
                measure("GPT-2-small without LM head, 8 x 128, eval", repeats, warmup, step -> timed(() ->
                        gpt2.forward(ForwardInput.ofIds(local(ids, step)).withLogits(false)).lastHiddenState()));
                NDArray next = manager.randomInteger(0, 50257, new Shape(BATCH, 1), DataType.INT64);
                measure("GPT-2-small one cached decoding step (8 x 1 after 128), eval", repeats * 4, warmup, step -> {
                    try (KvCache cache = gpt2.newCache(step)) {
                        gpt2.forward(ForwardInput.ofIds(local(ids, step)).withCache(cache).withLogits(false));
                        return timed(() -> gpt2.forward(ForwardInput.ofIds(local(next, step)).withCache(cache))
                                .logits());
                    }
                });
            }
        }
    }

    /** Runs {@code run} (which returns milliseconds) warmup + repeats times, each in its own manager. */
    private static void measure(String what, int repeats, int warmup, ToDoubleFunction<NDManager> run) {
        double[] times = new double[repeats];
        for (int i = -warmup; i < repeats; i++) {
            try (NDManager step = Engines.newManager()) {
                double ms = run.applyAsDouble(step);
                if (i >= 0) {
                    times[i] = ms;
                }
            }
        }
        Arrays.sort(times);
        System.out.printf("%-66s median %8.1f ms  (min %.1f, max %.1f, n=%d)%n", what, times[repeats / 2],
                times[0], times[repeats - 1], repeats);
    }

    /** Milliseconds until {@code forward}'s result is readable (copying it out forces completion). */
    private static double timed(Supplier<NDArray> forward) {
        long start = System.nanoTime();
        NDArray out = forward.get();
        out.get(0).toFloatArray();
        return (System.nanoTime() - start) / 1e6;
    }

    /** A view of {@code array} owned by {@code step}, so that the forward's outputs land in {@code step}. */
    private static NDArray local(NDArray array, NDManager step) {
        NDArray view = array.reshape(array.getShape());
        view.attach(step);
        return view;
    }

    private static void timeLoad(Bert bert, NDManager manager) throws Exception {
        Path dir = Files.createTempDirectory("softprompt-bench");
        try {
            long start = System.nanoTime();
            bert.save(dir);
            System.out.printf("BERT-base save (config.json + model.safetensors, %,d MB): %.2f s%n",
                    Files.size(dir.resolve("model.safetensors")) >> 20, seconds(start));
            Runtime runtime = Runtime.getRuntime();
            System.gc();
            long heapBefore = runtime.totalMemory() - runtime.freeMemory();
            start = System.nanoTime();
            try (Bert loaded = Bert.load(dir, manager)) {
                double loadSeconds = seconds(start);
                long heapAfter = runtime.totalMemory() - runtime.freeMemory();
                System.out.printf("BERT-base load: %.2f s; Java heap grew by %,d MB during load (tensors go to "
                        + "PyTorch memory)%n", loadSeconds, (heapAfter - heapBefore) >> 20);
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
