package org.softprompt.benchmarks;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import org.softprompt.backbone.Bert;
import org.softprompt.backbone.BertConfig;
import org.softprompt.backbone.ForwardInput;
import org.softprompt.backbone.Gpt2;
import org.softprompt.backbone.Gpt2Config;
import org.softprompt.backbone.LayerPrefixes;
import org.softprompt.generate.CausalLmDecoder;
import org.softprompt.generate.GenerationConfig;
import org.softprompt.generate.Generator;
import org.softprompt.method.Reparam;
import org.softprompt.method.TunedModel;
import org.softprompt.method.deep.DeepPrompt;
import org.softprompt.method.finetune.FineTune;
import org.softprompt.method.prefix.Prefix;
import org.softprompt.method.prefix.PrefixTuning;
import org.softprompt.task.head.CrossEntropy;
import org.softprompt.task.head.SequenceClassificationHead;
import org.softprompt.train.AdamW;
import org.softprompt.train.LearningRateSchedule;
import org.softprompt.train.ParameterGroup;

/**
 * The benchmarked workloads, defined identically in {@code benchmarks/python/reference.py} (same names, sizes,
 * batches, token ids and hyperparameters). Random weights of the real sizes; dropout off everywhere (so that both
 * sides do exactly the same arithmetic); AdamW at 1e-4 with weight decay 0.01.
 */
final class Workloads {
    static final Gpt2Config GPT2_SMALL = Gpt2Config.of(50257, 1024, 768, 12, 12).withDropout(0);
    /** The tiny GPT the notebooks pretrain at quick scale (GptPretraining.Settings.quick()). */
    static final Gpt2Config TINY_GPT = Gpt2Config.of(4096, 128, 128, 4, 4).withDropout(0);
    static final BertConfig BERT_BASE = BertConfig.of(30522, 768, 12, 12, 3072, 512).withDropout(0);

    static final int BATCH = 8;
    static final int LENGTH = 128;
    static final int PREFIX_LENGTH = 10;
    static final int PREFIX_MLP = 512;
    static final int PTUNING_LENGTH = 16;
    static final int PROMPT_LENGTH = 16;
    static final int NEW_TOKENS = 32;
    static final double LEARNING_RATE = 1e-4;
    static final double WEIGHT_DECAY = 0.01;

    /** A workload by name: what it is, its FLOP count, and how to set it up. */
    record Spec(String name, String description, double flop, Function<NDManager, Workload> factory) {}

    private Workloads() {}

    static Map<String, Spec> all() {
        Map<String, Spec> specs = new LinkedHashMap<>();
        for (Spec spec : List.of(
                new Spec("gpt2-small/prefix-step", "GPT-2-small, prefix-tuning step (P=10, MLP 512), 8 x 128",
                        Flops.frozenStep(gptForward(GPT2_SMALL, PREFIX_LENGTH)),
                        m -> new GptStep(GPT2_SMALL, true, m)),
                new Spec("gpt2-small/full-step", "GPT-2-small, full fine-tuning step, 8 x 128",
                        Flops.fullStep(gptForward(GPT2_SMALL, 0)), m -> new GptStep(GPT2_SMALL, false, m)),
                new Spec("gpt2-small/greedy", "GPT-2-small, greedy 16 + 32 tokens, KV cache, batch 1",
                        generationFlop(0), m -> new Greedy(false, m)),
                new Spec("gpt2-small/greedy-prefix", "GPT-2-small, greedy 16 + 32 tokens, KV cache, prefix P=10",
                        generationFlop(PREFIX_LENGTH), m -> new Greedy(true, m)),
                new Spec("tiny-gpt/prefix-step", "tiny GPT (4 x 128, vocab 4096), prefix-tuning step, 8 x 128",
                        Flops.frozenStep(gptForward(TINY_GPT, PREFIX_LENGTH)), m -> new GptStep(TINY_GPT, true, m)),
                new Spec("tiny-gpt/full-step", "tiny GPT (4 x 128, vocab 4096), full fine-tuning step, 8 x 128",
                        Flops.fullStep(gptForward(TINY_GPT, 0)), m -> new GptStep(TINY_GPT, false, m)),
                new Spec("bert-base/ptuning-v2-step", "BERT-base, P-tuning v2 step (P=16, all layers), 8 x 128",
                        Flops.frozenStep(Flops.forward(BATCH, LENGTH, PTUNING_LENGTH + LENGTH, 768, 12, 0)),
                        PTuningV2Step::new))) {
            specs.put(spec.name(), spec);
        }
        return specs;
    }

    private static double[] gptForward(Gpt2Config c, int prefix) {
        return Flops.forward(BATCH, LENGTH, prefix + LENGTH, c.hiddenSize(), c.numLayers(), c.vocabSize());
    }

    /** The prompt pass plus NEW_TOKENS - 1 single-token passes, each over the prefix and everything before it. */
    private static double generationFlop(int prefix) {
        Gpt2Config c = GPT2_SMALL;
        double flop = Flops.total(Flops.forward(1, PROMPT_LENGTH, prefix + PROMPT_LENGTH, c.hiddenSize(),
                c.numLayers(), c.vocabSize()));
        for (int t = 1; t < NEW_TOKENS; t++) {
            flop += Flops.total(Flops.forward(1, 1, prefix + PROMPT_LENGTH + t, c.hiddenSize(), c.numLayers(),
                    c.vocabSize()));
        }
        return flop;
    }

    /** The deterministic token ids both sides feed: row b, position t of a batch. */
    static NDArray tokenIds(NDManager manager, int batch, int length, int vocab, int salt) {
        long[] ids = new long[batch * length];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < length; t++) {
                ids[b * length + t] = ((long) (b * length + t) * 7919 + (long) salt * 104729) % vocab;
            }
        }
        return manager.create(ids, new Shape(batch, length));
    }

    /** A view of {@code array} owned by {@code scope}: what is computed from it lands in the scope. */
    static NDArray local(NDArray array, NDManager scope) {
        NDArray view = array.reshape(array.getShape());
        view.attach(scope);
        return view;
    }

    static AdamW adamW(NDManager manager) {
        return new AdamW(List.of(ParameterGroup.all(LEARNING_RATE, WEIGHT_DECAY)), LearningRateSchedule.constant(),
                manager);
    }

    /** One training step of a causal LM: next-token cross-entropy over every position, backward, AdamW. */
    static final class GptStep implements Workload {
        private final NDManager manager;
        private final Gpt2 model;
        private final TunedModel tuned;
        private final AdamW optimizer;
        private final NDArray ids;

        GptStep(Gpt2Config config, boolean prefix, NDManager parent) {
            manager = parent.newSubManager();
            model = Gpt2.random(config, manager, 1);
            // PEFT counts the prefix as past positions; the tiny GPT's 128 positions leave no room for that at 128
            // tokens, so there (and in reference.py) the text keeps positions 0..127.
            boolean shift = PREFIX_LENGTH + LENGTH <= config.maxPositions();
            tuned = prefix
                    ? Prefix.on(model).length(PREFIX_LENGTH).reparam(Reparam.mlp(PREFIX_MLP)).positionsAfterPrefix(shift)
                            .build(manager)
                    : FineTune.all(model);
            optimizer = adamW(manager);
            ids = tokenIds(manager, BATCH, LENGTH, config.vocabSize(), 1);
        }

        @Override
        public double run() {
            try (NDManager step = manager.newSubManager()) {
                NDArray batch = local(ids, step);
                float loss;
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    NDArray logits = tuned.forward(ForwardInput.ofIds(batch).withTraining(true)).logits();
                    // GPT2LMHeadModel's shifted loss; the library shifts the labels, not the logits (the reference
                    // slices the logits, as transformers does: same values and gradients).
                    NDArray value = CrossEntropy.nextToken(logits, batch);
                    // The backward pass does not need the logits (200 MB for GPT-2; log-softmax keeps its own
                    // output): free them now rather than when the step's manager closes, as Python's reference
                    // counting does for the reference.
                    logits.close();
                    collector.backward(value);
                    loss = value.getFloat();
                }
                optimizer.step(tuned.trainable());
                return loss;
            }
        }

        @Override
        public void close() {
            optimizer.close();
            tuned.close();
            model.close();
            manager.close();
        }
    }

    /**
     * Greedy decoding on the KV cache, batch 1: a 16-token prompt and 32 new tokens (no end-of-sequence token, so
     * every run generates all 32). With a prefix, the collapsed table (the MLP evaluated once, at setup) as PEFT
     * and Li &amp; Liang deploy it.
     */
    static final class Greedy implements Workload {
        private final NDManager manager;
        private final Gpt2 model;
        private final PrefixTuning prefix;
        private final LayerPrefixes prefixes;
        private final NDArray prompt;
        private final NDArray mask;
        private final GenerationConfig config = new GenerationConfig(NEW_TOKENS, 0, 1, 1.0, true, Set.of(),
                Set.of(), 0);

        Greedy(boolean withPrefix, NDManager parent) {
            manager = parent.newSubManager();
            model = Gpt2.random(GPT2_SMALL, manager, 2);
            if (withPrefix) {
                try (PrefixTuning trained = Prefix.on(model).length(PREFIX_LENGTH).reparam(Reparam.mlp(PREFIX_MLP))
                        .build(manager)) {
                    prefix = trained.collapse();
                }
                prefixes = prefix.layerPrefixes(manager);
            } else {
                prefix = null;
                prefixes = null;
            }
            prompt = tokenIds(manager, 1, PROMPT_LENGTH, GPT2_SMALL.vocabSize(), 2);
            mask = prompt.onesLike();
        }

        @Override
        public double run() {
            try (NDManager run = manager.newSubManager();
                    CausalLmDecoder decoder = new CausalLmDecoder(model, run, prefixes,
                            prefix == null ? 0 : prefix.positionOffset(), true)) {
                List<Generator.Generation> out = Generator.greedy(decoder, local(prompt, run), local(mask, run),
                        config);
                double sum = 0;
                for (int token : out.get(0).tokens()) {
                    sum += token;
                }
                return sum;
            }
        }

        @Override
        public void close() {
            if (prefix != null) {
                prefix.close();
            }
            model.close();
            manager.close();
        }
    }

    /** One P-tuning v2 step on BERT-base: prompts in every layer, pooler, 2-label classifier; backbone frozen. */
    static final class PTuningV2Step implements Workload {
        private final NDManager manager;
        private final Bert model;
        private final DeepPrompt prompt;
        private final SequenceClassificationHead head;
        private final Map<String, NDArray> trainable = new LinkedHashMap<>();
        private final AdamW optimizer;
        private final NDArray ids;
        private final NDArray mask;
        private final NDArray labels;

        PTuningV2Step(NDManager parent) {
            manager = parent.newSubManager();
            model = Bert.random(BERT_BASE, manager, 3, true, false);
            prompt = DeepPrompt.on(model).length(PTUNING_LENGTH).reparam(Reparam.none()).dropout(0).build(manager);
            head = SequenceClassificationHead.create(model, 2, SequenceClassificationHead.Pooling.POOLER, 0,
                    manager, 3);
            trainable.putAll(prompt.trainable());
            trainable.putAll(head.trainable());
            optimizer = adamW(manager);
            ids = tokenIds(manager, BATCH, LENGTH, BERT_BASE.vocabSize(), 3);
            mask = ids.onesLike();
            long[] classes = new long[BATCH];
            for (int b = 0; b < BATCH; b++) {
                classes[b] = b % 2;
            }
            labels = manager.create(classes);
        }

        @Override
        public double run() {
            try (NDManager step = manager.newSubManager()) {
                float loss;
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    ForwardInput input = ForwardInput.ofIds(local(ids, step)).withAttentionMask(local(mask, step))
                            .withTraining(true).withLogits(false);
                    NDArray logits = head.logits(prompt.forward(input), true);
                    NDArray value = head.loss(logits, local(labels, step));
                    collector.backward(value);
                    loss = value.getFloat();
                }
                optimizer.step(trainable);
                return loss;
            }
        }

        @Override
        public void close() {
            optimizer.close();
            head.close();
            prompt.close();
            model.close();
            manager.close();
        }
    }

    /** Names of every workload, in the order they run. */
    static List<String> names() {
        return new ArrayList<>(all().keySet());
    }

    /** The workload called {@code name}; an unknown name is an error that lists the known ones. */
    static Spec named(String name) {
        Spec spec = all().get(name);
        if (spec == null) {
            throw new IllegalArgumentException("unknown workload '" + name + "'; known: " + names());
        }
        return spec;
    }
}
