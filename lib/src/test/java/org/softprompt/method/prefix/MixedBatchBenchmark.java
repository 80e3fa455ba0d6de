package org.softprompt.method.prefix;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.function.ToDoubleFunction;

import org.softprompt.Engines;
import org.softprompt.backbone.ForwardInput;
import org.softprompt.backbone.Gpt2;
import org.softprompt.backbone.Gpt2Config;
import org.softprompt.generate.CausalLmDecoder;
import org.softprompt.generate.GenerationConfig;
import org.softprompt.generate.Generator;
import org.softprompt.method.Reparam;

/**
 * Not a test: throughput of one frozen GPT-2-small-sized model (random weights, 124M parameters) serving three
 * prefix-tuned tasks (prefix lengths 10, 5 and 20), as one mixed batch versus the three task batches one after
 * another, through the same {@link PrefixRegistry} code path. Medians over repeats after warm-up.
 * <ul>
 *   <li>classification: 3 tasks x 8 rows x 32 tokens, one forward pass with the LM head;</li>
 *   <li>generation: 3 tasks x 4 prompts of 16 tokens, beam search with 4 beams, exactly 16 new tokens.</li>
 * </ul>
 *
 * <pre>
 * cd lib && mvn -q -o test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * OMP_WAIT_POLICY=PASSIVE java -Xmx4g -Dai.djl.offline=true \
 *     -cp target/classes:target/test-classes:$(cat target/cp.txt) org.softprompt.method.prefix.MixedBatchBenchmark 5
 * </pre>
 * A second argument {@code check} runs a 2-layer, 64-wide model instead, only to see that the benchmark works.
 */
public final class MixedBatchBenchmark {
    private static final List<String> TASKS = List.of("a", "b", "c");
    private static final int[] PREFIX_LENGTHS = {10, 5, 20};
    private static final int ROWS_PER_TASK = 8;
    private static final int TOKENS = 32;
    private static final int PROMPTS_PER_TASK = 4;
    private static final int PROMPT_TOKENS = 16;
    private static final int NEW_TOKENS = 16;
    private static final int BEAMS = 4;
    private static final int VOCAB = 50257;

    private MixedBatchBenchmark() {}

    public static void main(String[] args) {
        int repeats = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        // "check": a 2-layer, 64-wide model, only to see that the benchmark runs
        Gpt2Config size = args.length > 1 && args[1].equals("check") ? Gpt2Config.of(VOCAB, 1024, 64, 2, 4)
                : Gpt2Config.of(VOCAB, 1024, 768, 12, 12);
        int warmup = 1;
        Engines.pytorch();
        System.out.printf("threads: ai.djl.pytorch.num_threads=%s, cores=%d%n",
                System.getProperty("ai.djl.pytorch.num_threads", "default"),
                Runtime.getRuntime().availableProcessors());
        try (NDManager manager = Engines.newManager();
                Gpt2 gpt2 = Gpt2.random(size, manager, 2);
                PrefixRegistry registry = new PrefixRegistry(gpt2, manager)) {
            for (int t = 0; t < TASKS.size(); t++) {
                try (PrefixTuning prefix = Prefix.on(gpt2).length(PREFIX_LENGTHS[t]).reparam(Reparam.mlp(512))
                        .seed(t).build(manager)) {
                    registry.register(TASKS.get(t), prefix);
                }
            }
            NDArray ids = manager.randomInteger(0, VOCAB, new Shape(TASKS.size() * ROWS_PER_TASK, TOKENS),
                    DataType.INT64);
            List<String> mixedRows = interleaved(ROWS_PER_TASK);
            double mixed = measure("classification, mixed: one batch of 24 rows (3 tasks) x 32 tokens", repeats,
                    warmup, step -> timed(() -> gpt2.forward(registry.enter(ForwardInput.ofIds(local(ids, step)),
                            mixedRows)).logits().get(0).toFloatArray()));
            double sequential = measure("classification, one task after another: 3 batches of 8 x 32", repeats,
                    warmup, step -> timed(() -> {
                        for (int t = 0; t < TASKS.size(); t++) {
                            NDArray rows = local(ids, step).get(t * ROWS_PER_TASK + ":" + (t + 1) * ROWS_PER_TASK);
                            gpt2.forward(registry.enter(ForwardInput.ofIds(rows),
                                    Collections.nCopies(ROWS_PER_TASK, TASKS.get(t)))).logits().get(0).toFloatArray();
                        }
                    }));
            report("classification", TASKS.size() * ROWS_PER_TASK, "rows", mixed, sequential);

            int prompts = TASKS.size() * PROMPTS_PER_TASK;
            NDArray promptIds = manager.randomInteger(0, VOCAB, new Shape(prompts, PROMPT_TOKENS), DataType.INT64);
            GenerationConfig config = new GenerationConfig(NEW_TOKENS, NEW_TOKENS, BEAMS, 1.0, false, Set.of(0),
                    Set.of(), 0);
            List<String> mixedPrompts = interleaved(PROMPTS_PER_TASK);
            mixed = measure("beam search (4 beams, 16 new tokens), mixed: 12 prompts of 3 tasks", repeats, warmup,
                    step -> timed(() -> {
                        NDArray idsHere = local(promptIds, step);
                        try (CausalLmDecoder decoder = registry.decoder(mixedPrompts, step)) {
                            Generator.generate(decoder, idsHere, idsHere.onesLike(), config);
                        }
                    }));
            sequential = measure("beam search, one task after another: 3 calls of 4 prompts", repeats, warmup,
                    step -> timed(() -> {
                        for (int t = 0; t < TASKS.size(); t++) {
                            NDArray rows = local(promptIds, step).get(t * PROMPTS_PER_TASK + ":"
                                    + (t + 1) * PROMPTS_PER_TASK);
                            try (CausalLmDecoder decoder = registry.decoder(
                                    Collections.nCopies(PROMPTS_PER_TASK, TASKS.get(t)), step)) {
                                Generator.generate(decoder, rows, rows.onesLike(), config);
                            }
                        }
                    }));
            report("beam search", prompts * NEW_TOKENS, "generated tokens (best beam)", mixed, sequential);
        }
    }

    /** Row b of a batch of {@code perTask} rows per task belongs to task b mod 3 (tasks interleaved). */
    private static List<String> interleaved(int perTask) {
        List<String> rows = new ArrayList<>();
        for (int b = 0; b < perTask * TASKS.size(); b++) {
            rows.add(TASKS.get(b % TASKS.size()));
        }
        return rows;
    }

    private static void report(String what, int units, String unit, double mixedMs, double sequentialMs) {
        System.out.printf("%s: mixed %.1f %s/s, one after another %.1f %s/s, speed-up x%.2f%n", what,
                units / (mixedMs / 1000), unit, units / (sequentialMs / 1000), unit, sequentialMs / mixedMs);
    }

    /** Runs {@code run} (which returns milliseconds) warmup + repeats times, each in its own manager. */
    private static double measure(String what, int repeats, int warmup, ToDoubleFunction<NDManager> run) {
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
        System.out.printf("%-70s median %8.1f ms  (min %.1f, max %.1f, n=%d)%n", what, times[repeats / 2],
                times[0], times[repeats - 1], repeats);
        return times[repeats / 2];
    }

    /** Milliseconds that {@code work} takes (it reads its results back, which forces completion). */
    private static double timed(Runnable work) {
        long start = System.nanoTime();
        work.run();
        return (System.nanoTime() - start) / 1e6;
    }

    /** A view of {@code array} owned by {@code step}, so that what is computed from it lands in {@code step}. */
    private static NDArray local(NDArray array, NDManager step) {
        NDArray view = array.reshape(array.getShape());
        view.attach(step);
        return view;
    }
}
