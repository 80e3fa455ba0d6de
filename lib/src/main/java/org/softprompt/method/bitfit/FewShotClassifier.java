package org.softprompt.method.bitfit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.stream.IntStream;

import org.softprompt.backbone.Bert;
import org.softprompt.backbone.ForwardInput;
import org.softprompt.method.bitfit.BitFit.BackboneParameters;
import org.softprompt.method.bitfit.FewShotTask.Example;
import org.softprompt.method.ptuning.PTuning;
import org.softprompt.method.ptuning.PromptEncoder;
import org.softprompt.task.head.SequenceClassificationHead;
import org.softprompt.task.prompt.LabelCalibration;
import org.softprompt.task.prompt.PromptBatch;
import org.softprompt.task.prompt.Verbalizer;
import org.softprompt.tokenize.EncodeOptions;
import org.softprompt.tokenize.Tokenizer;
import org.softprompt.train.AdamW;
import org.softprompt.train.LearningRateSchedule;
import org.softprompt.train.ParameterGroup;
import org.softprompt.train.Trainer;

/**
 * Few-shot classification with a masked LM the ways Logan IV et al. (2022) compare: a {@link PromptType} (manual
 * prompt, null prompt, null verbalizer, prompt tuning, or a [CLS] head) crossed with what is trained
 * ({@link BackboneParameters}: all weights, BitFit's biases, the LM head, or nothing) and, optionally, a
 * {@link LabelCalibration} on the label scores.
 * <pre>{@code
 * try (FewShotClassifier nullBitFit = FewShotClassifier.on(bert, tokenizer, FewShotTask.load("SST-2"))
 *         .prompt(PromptType.NULL_PROMPT).parameters(BackboneParameters.BIASES).seed(1).build(manager)) {
 *     nullBitFit.train(task.sample(16, 1), new FewShotClassifier.Training(1e-3, 100, 8, 0.1));
 *     double accuracy = nullBitFit.accuracy(task.test(), 32);
 * }
 * }</pre>
 * With a prompt, the answer is read at [MASK] through the MLM head and the verbalizer turns the logits of the label
 * words into label log-probabilities ({@link Verbalizer#scores}); the loss is their cross-entropy.
 *
 * <p>The [CLS] head reads BERT's pooler, so with BitFit it also trains the pooler's bias (768 more than the 132,676
 * of {@link BitFit}, which leaves the pooler out because the masked-LM prediction never reads it).
 *
 * <p>Training changes the backbone's own weights in place (all of them, or the biases, or the head): load a fresh
 * backbone for the next run ({@code Bert.load} of a safetensors checkpoint takes a fraction of a second).
 */
public final class FewShotClassifier implements AutoCloseable {
    private final Bert bert;
    private final Tokenizer tokenizer;
    private final FewShotTask task;
    private final PromptType type;
    private final int maxLength;
    private final long seed;
    private final BitFit tuned;
    private final PTuning prompt;
    private final Verbalizer verbalizer;
    private final SequenceClassificationHead head;
    private final String poolerBias;
    private final LabelCalibration calibration;
    private final Map<String, NDArray> trainable;

    private FewShotClassifier(Builder b, NDManager manager) {
        this.bert = b.bert;
        this.tokenizer = b.tokenizer;
        this.task = b.task;
        this.type = b.type;
        this.maxLength = b.maxLength;
        this.seed = b.seed;
        if (type == PromptType.CLS_HEAD) {
            if (b.parameters == BackboneParameters.LM_HEAD || b.calibrate) {
                throw new IllegalArgumentException("a [CLS] head does not use the MLM head or a verbalizer: "
                        + "train ALL, BIASES or NONE, without calibration");
            }
            this.prompt = null;
            this.verbalizer = null;
            this.tuned = BitFit.on(bert).train(b.parameters);
            this.head = SequenceClassificationHead.create(bert, task.labels().size(), manager, seed);
            // BitFit leaves the pooler out because the MLM prediction never reads it; the [CLS] head does, so its
            // bias is one of the biases BitFit trains here.
            this.poolerBias = b.parameters == BackboneParameters.BIASES ? poolerBiasOf(bert) : null;
        } else {
            String template = switch (type) {
                case MANUAL_PROMPT, NULL_VERBALIZER -> task.manualTemplate();
                case NULL_PROMPT -> task.nullTemplate();
                case PROMPT_TUNING -> task.promptTuningTemplate(b.triggers);
                case CLS_HEAD -> throw new AssertionError();
            };
            this.prompt = PTuning.on(bert).tokenizer(tokenizer).template(template)
                    .encoder(PromptEncoder.Kind.NONE).seed(seed).build(manager);
            this.tuned = BitFit.on(bert).train(b.parameters).with(prompt);
            this.head = null;
            this.poolerBias = null;
            Map<String, String> words = new LinkedHashMap<>();
            task.labels().forEach(label -> words.put(label, task.labelWords().get(label)));
            this.verbalizer = type == PromptType.NULL_VERBALIZER
                    ? Verbalizer.arbitrary(tokenizer, prompt.template(), task.labels(), seed)
                    : Verbalizer.ofWords(tokenizer, prompt.template(), words);
        }
        this.calibration = b.calibrate ? LabelCalibration.identity(task.labels().size(), manager) : null;
        Map<String, NDArray> all = new LinkedHashMap<>(tuned.trainable());
        if (poolerBias != null) {
            bert.unfreeze(poolerBias::equals);
            all.put(poolerBias, bert.weight(poolerBias));
        }
        if (head != null) {
            all.putAll(head.trainable());
        }
        if (calibration != null) {
            all.putAll(calibration.trainable());
        }
        if (all.isEmpty()) {
            close();
            throw new IllegalArgumentException(type.label() + " with backbone parameters " + b.parameters
                    + " and no calibration trains nothing");
        }
        this.trainable = Collections.unmodifiableMap(all);
    }

    private static String poolerBiasOf(Bert bert) {
        return bert.weights().names().stream().filter(bert.pooler()).filter(n -> n.endsWith(".bias")).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("BERT was loaded without its pooler, which the [CLS] "
                        + "head needs"));
    }

    public static Builder on(Bert bert, Tokenizer tokenizer, FewShotTask task) {
        return new Builder(bert, tokenizer, task);
    }

    /** Options: the prompt type (default null prompt), the trained parameters (default BitFit), and the rest. */
    public static final class Builder {
        private final Bert bert;
        private final Tokenizer tokenizer;
        private final FewShotTask task;
        private PromptType type = PromptType.NULL_PROMPT;
        private BackboneParameters parameters = BackboneParameters.BIASES;
        private boolean calibrate;
        private int triggers = 5;
        private int maxLength = 128;
        private long seed = 1;

        private Builder(Bert bert, Tokenizer tokenizer, FewShotTask task) {
            this.bert = Objects.requireNonNull(bert, "bert");
            this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
            this.task = Objects.requireNonNull(task, "task");
        }

        public Builder prompt(PromptType value) {
            this.type = Objects.requireNonNull(value, "prompt type");
            return this;
        }

        public Builder parameters(BackboneParameters value) {
            this.parameters = Objects.requireNonNull(value, "backbone parameters");
            return this;
        }

        /** Adds a trained {@link LabelCalibration} on the verbalizer's label scores. */
        public Builder calibrate(boolean value) {
            this.calibrate = value;
            return this;
        }

        /** The number of learned trigger tokens of {@link PromptType#PROMPT_TUNING} (default 5). */
        public Builder triggers(int value) {
            this.triggers = value;
            return this;
        }

        /** The maximum input length in tokens, special tokens included (default 128); long fields are cut. */
        public Builder maxLength(int value) {
            if (value < 8) {
                throw new IllegalArgumentException("maxLength must be at least 8, got " + value);
            }
            this.maxLength = value;
            return this;
        }

        /** Seeds the new tensors (trigger embeddings, [CLS] classifier), the null verbalizer's words, dropout. */
        public Builder seed(long value) {
            this.seed = value;
            return this;
        }

        public FewShotClassifier build(NDManager manager) {
            return new FewShotClassifier(this, manager);
        }
    }

    /**
     * How to train: AdamW without weight decay at {@code learningRate}, linear warm-up over the first
     * {@code warmupFraction} of the steps then linear decay to 0, gradient norm clipped at 1, batches of
     * {@code batchSize} drawn from the examples reshuffled every epoch.
     */
    public record Training(double learningRate, int steps, int batchSize, double warmupFraction) {
        public Training {
            if (!(learningRate > 0) || steps < 1 || batchSize < 1 || !(warmupFraction >= 0 && warmupFraction < 1)) {
                throw new IllegalArgumentException("need learningRate > 0, steps >= 1, batchSize >= 1 and "
                        + "warmupFraction in [0, 1), got " + learningRate + ", " + steps + ", " + batchSize + ", " + warmupFraction);
            }
        }
    }

    /** Trains on {@code examples}; returns the trainer's result (per-step losses). */
    public Trainer.Result train(List<Example> examples, Training training) {
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("no training examples");
        }
        int[] epoch = {0};
        java.util.function.Supplier<Iterator<List<Example>>> batches = () -> {
            List<Example> shuffled = new ArrayList<>(examples);
            Collections.shuffle(shuffled, new Random(seed * 7919 + epoch[0]++));
            List<List<Example>> out = new ArrayList<>();
            for (int start = 0; start < shuffled.size(); start += training.batchSize()) {
                out.add(shuffled.subList(start, Math.min(shuffled.size(), start + training.batchSize())));
            }
            return out.iterator();
        };
        long warmup = Math.round(training.warmupFraction() * training.steps());
        try (AdamW adamW = new AdamW(List.of(ParameterGroup.all(training.learningRate(), 0.0)),
                LearningRateSchedule.linear(warmup, training.steps()), bert.weights().manager())) {
            Trainer<List<Example>> trainer = new Trainer<>(trainable, adamW, (step, batch) -> loss(batch, step, true));
            return trainer.seed(seed).fit(batches, Trainer.Settings.steps(training.steps()));
        }
    }

    /** Mean cross-entropy of the gold labels. */
    public NDArray loss(List<Example> batch, NDManager step, boolean training) {
        NDArray logProbs = scores(batch, step, training).logSoftmax(1);
        long[] gold = batch.stream().mapToLong(e -> labelIndex(e.label())).toArray();
        return logProbs.gather(step.create(gold, new Shape(gold.length, 1)), 1).mean().neg();
    }

    /**
     * Label scores [B, labels]: the verbalizer's label log-probabilities at [MASK] (calibrated if asked), or the
     * [CLS] head's logits. Arrays land in {@code step}.
     */
    public NDArray scores(List<Example> batch, NDManager step, boolean training) {
        if (head != null) {
            NDList encoded = encodeForClassifier(batch, step);
            ForwardInput input = ForwardInput.ofIds(encoded.get(0)).withAttentionMask(encoded.get(1))
                    .withTokenTypeIds(encoded.get(2)).withTraining(training).withLogits(false);
            return head.logits(tuned.forward(input), training);
        }
        PromptBatch prompts = prompt.batch(batch.stream().map(Example::fields).toList(), maxLength, step);
        NDArray labelScores = verbalizer.scores(prompts.answerLogits(tuned.forward(prompts.input(training))));
        return calibration == null ? labelScores : calibration.apply(labelScores);
    }

    /** The predicted label index per example (into {@code task().labels()}), no dropout. */
    public int[] predict(List<Example> examples, int batchSize) {
        // Batching examples of similar length wastes less time on padding.
        Integer[] order = IntStream.range(0, examples.size()).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingInt(i -> examples.get(i).fields().values().stream()
                .mapToInt(String::length).sum()));
        int[] predictions = new int[examples.size()];
        for (int start = 0; start < order.length; start += batchSize) {
            int end = Math.min(order.length, start + batchSize);
            List<Example> batch = new ArrayList<>();
            for (int i = start; i < end; i++) {
                batch.add(examples.get(order[i]));
            }
            try (NDManager step = bert.weights().manager().newSubManager()) {
                long[] best = scores(batch, step, false).argMax(1).toType(DataType.INT64, false).toLongArray();
                for (int i = start; i < end; i++) {
                    predictions[order[i]] = Math.toIntExact(best[i - start]);
                }
            }
        }
        return predictions;
    }

    /** The fraction of examples whose predicted label is the gold one. */
    public double accuracy(List<Example> examples, int batchSize) {
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("no examples to score");
        }
        int[] predicted = predict(examples, batchSize);
        int correct = 0;
        for (int i = 0; i < predicted.length; i++) {
            correct += predicted[i] == labelIndex(examples.get(i).label()) ? 1 : 0;
        }
        return (double) correct / predicted.length;
    }

    private int labelIndex(String label) {
        int index = task.labels().indexOf(label);
        if (index < 0) {
            throw new IllegalArgumentException(task.name() + ": unknown label '" + label + "'; labels: "
                    + task.labels());
        }
        return index;
    }

    /** [CLS] a [SEP] (single field) or [CLS] a [SEP] b [SEP] (further fields joined as the second segment). */
    private NDList encodeForClassifier(List<Example> batch, NDManager step) {
        List<String> fields = task.fields();
        EncodeOptions options = EncodeOptions.defaults().truncateTo(maxLength)
                .withPadding(EncodeOptions.Padding.LONGEST);
        List<String> first = batch.stream().map(e -> e.fields().get(fields.get(0))).toList();
        if (fields.size() == 1) {
            return tokenizer.encodeBatch(first, options).toNDList(step);
        }
        List<String> second = batch.stream().map(e -> String.join(" ", fields.subList(1, fields.size()).stream()
                .map(f -> e.fields().get(f)).toList())).toList();
        return tokenizer.encodePairBatch(first, second, options).toNDList(step);
    }

    /** Trained scalars: the backbone's selection, trigger embeddings, [CLS] classifier, calibration. */
    public long trainedParameterCount() {
        return trainable.values().stream().mapToLong(NDArray::size).sum();
    }

    /** The trained tensors, by name. */
    public Map<String, NDArray> trainable() {
        return trainable;
    }

    public FewShotTask task() {
        return task;
    }

    public PromptType type() {
        return type;
    }

    /** The template in use, or null for a [CLS] head. */
    public String template() {
        return prompt == null ? null : prompt.template().source();
    }

    /** The verbalizer, or null for a [CLS] head. */
    public Verbalizer verbalizer() {
        return verbalizer;
    }

    /** Freezes the backbone again and frees the trigger embeddings, head and calibration. */
    @Override
    public void close() {
        if (tuned != null) {
            tuned.close();
        }
        if (poolerBias != null) {
            bert.freeze(poolerBias::equals);
        }
        if (head != null) {
            head.close();
        }
        if (calibration != null) {
            calibration.close();
        }
    }
}
