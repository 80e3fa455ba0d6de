package org.softprompt.backbone.pretrain;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import org.softprompt.Scale;
import org.softprompt.backbone.ForwardInput;
import org.softprompt.backbone.Gpt2;
import org.softprompt.backbone.Gpt2Config;
import org.softprompt.data.TextCorpus;
import org.softprompt.tokenize.BpeVocabulary;
import org.softprompt.tokenize.ByteLevelBpeTrainer;
import org.softprompt.tokenize.Gpt2Tokenizer;
import org.softprompt.train.AdamW;
import org.softprompt.train.LearningRateSchedule;
import org.softprompt.train.ParameterGroup;
import org.softprompt.train.Trainer;
import org.softprompt.train.TrainingListener;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.function.Supplier;

/**
 * The small GPT-2 that stands in for gpt2-medium where no pretrained weights can be had: pretrained here on English
 * text ({@link TextCorpus}) with its own byte-level BPE vocabulary, saved as a Hugging Face folder (config.json,
 * model.safetensors, vocab.json, merges.txt, special_tokens_map.json), so notebook code that loads "gpt2-medium"
 * loads this folder the same way.
 *
 * <pre>{@code
 * Path gpt = GptPretraining.forScale(Scale.current()).ensure(new TrainerProgress(...));
 * }</pre>
 * At {@link Scale#PAPER} nothing is trained: {@link #ensure} returns gpt2-medium from the Hugging Face hub. At the
 * other scales the folder is trained once per configuration and then found in the {@link PretrainingCache}.
 *
 * <p>Training: random windows of {@code context + 1} tokens from the training documents (each document followed by
 * &lt;|endoftext|&gt;), next-token cross-entropy, AdamW with a warm-up and cosine decay, no weight decay on biases and
 * LayerNorm weights, dropout, global-norm clipping. Validation perplexity is measured on the held-out documents
 * (cut into consecutive windows) and is per token of this vocabulary: it is not comparable with GPT-2's numbers.
 */
public final class GptPretraining extends CachedPretraining<GptPretraining.Settings, GptPretraining.Trained, GptPretraining> {
    /** What {@link Scale#PAPER} loads instead of pretraining. */
    public static final String PAPER_MODEL = "gpt2-medium";
    /** The cache folder's name prefix. */
    public static final String KIND = "tiny-gpt2";
    /** Raised when the meaning of a setting or the training code changes, so old cache entries are not reused. */
    static final int FORMAT_VERSION = 2;

    /**
     * Everything that determines the pretrained model.
     *
     * @param sources the corpus sources
     * @param validationFraction the share of each source's documents held out for perplexity
     * @param corpusSeed the seed of the hold-out
     * @param maxTrainCharacters cut the training documents after this many characters (0: all), for tiny runs
     * @param vocabSize the BPE vocabulary size, &lt;|endoftext|&gt; included
     * @param context the window length (n_positions)
     * @param hiddenSize n_embd
     * @param layers n_layer
     * @param heads n_head
     * @param dropout every GPT-2 dropout probability
     * @param batchSize windows per optimizer step
     * @param steps optimizer steps
     * @param learningRate the peak learning rate
     * @param warmupSteps linear warm-up steps before the cosine decay
     * @param weightDecay AdamW's decoupled weight decay (not on biases and LayerNorm weights)
     * @param clipNorm global gradient-norm clipping (0: none)
     * @param seed initialization, window order and dropout
     * @param maxValidationTokens evaluate on at most this many held-out tokens (documents in a seeded random order)
     */
    public record Settings(List<TextCorpus.Source> sources, double validationFraction, long corpusSeed,
                           long maxTrainCharacters, int vocabSize, int context, int hiddenSize, int layers, int heads,
                           double dropout, int batchSize, long steps, double learningRate, long warmupSteps,
                           double weightDecay, double clipNorm, long seed, int maxValidationTokens) {
        public Settings {
            sources = List.copyOf(sources);
            if (sources.isEmpty()) {
                throw new IllegalArgumentException("at least one corpus source is needed");
            }
            if (context < 2 || batchSize < 1 || steps < 1 || maxValidationTokens < context) {
                throw new IllegalArgumentException("context must be >= 2, batchSize and steps >= 1, and "
                        + "maxValidationTokens >= context; got context " + context + ", batch " + batchSize
                        + ", steps " + steps + ", maxValidationTokens " + maxValidationTokens);
            }
            // Checks the model sizes (heads divide the width, all positive) with GPT-2's own rules.
            Gpt2Config.of(vocabSize, context, hiddenSize, layers, heads);
        }

        /** Seconds: a 2-layer, 64-wide model on 300k characters of Shakespeare, 300 steps (CI). */
        public static Settings smoke() {
            return new Settings(List.of(TextCorpus.Source.TINY_SHAKESPEARE), 0.05, 0, 300_000, 1024, 64, 64, 2, 2,
                    0.0, 16, 300, 1e-3, 30, 0.01, 1.0, 0, 16_384);
        }

        /**
         * At most 20 minutes on a shared 2-core CPU: 4 layers, 128 wide, context 128, a 4k vocabulary, on every
         * source (SQuAD contexts from train-side articles only), 600 steps of 16 windows (about 1.2M tokens). Less
         * than one pass over the corpus, so no dropout. Sized on a machine shared with several other jobs; an idle
         * machine runs it several times faster.
         */
        public static Settings quick() {
            List<TextCorpus.Source> all = new ArrayList<>(TextCorpus.WITHOUT_SQUAD);
            all.add(TextCorpus.Source.SQUAD_CONTEXTS);
            return new Settings(all, 0.02, 0, 0, 4096, 128, 128, 4, 4, 0.0, 16, 600, 1e-3, 40, 0.01, 1.0, 0,
                    50_000);
        }

        public Settings withSteps(long newSteps) {
            return new Settings(sources, validationFraction, corpusSeed, maxTrainCharacters, vocabSize, context,
                    hiddenSize, layers, heads, dropout, batchSize, newSteps, learningRate,
                    Math.min(warmupSteps, newSteps), weightDecay, clipNorm, seed, maxValidationTokens);
        }

        public Settings withSeed(long newSeed) {
            return new Settings(sources, validationFraction, corpusSeed, maxTrainCharacters, vocabSize, context,
                    hiddenSize, layers, heads, dropout, batchSize, steps, learningRate, warmupSteps, weightDecay,
                    clipNorm, newSeed, maxValidationTokens);
        }

        public Settings withModel(int newHidden, int newLayers, int newHeads, int newContext) {
            return new Settings(sources, validationFraction, corpusSeed, maxTrainCharacters, vocabSize, newContext,
                    newHidden, newLayers, newHeads, dropout, batchSize, steps, learningRate, warmupSteps,
                    weightDecay, clipNorm, seed, maxValidationTokens);
        }

        public Settings withBatchSize(int newBatchSize) {
            return new Settings(sources, validationFraction, corpusSeed, maxTrainCharacters, vocabSize, context,
                    hiddenSize, layers, heads, dropout, newBatchSize, steps, learningRate, warmupSteps, weightDecay,
                    clipNorm, seed, maxValidationTokens);
        }

        /** The model's config: GPT-2's defaults with these sizes and dropout. */
        public Gpt2Config modelConfig() {
            return Gpt2Config.of(vocabSize, context, hiddenSize, layers, heads).withDropout(dropout);
        }

        /** Every setting, the cache key. */
        public JsonObject toJson() {
            JsonObject json = new JsonObject();
            json.addProperty("format_version", FORMAT_VERSION);
            JsonArray names = new JsonArray();
            sources.forEach(s -> names.add(s.name()));
            json.add("sources", names);
            json.addProperty("validation_fraction", validationFraction);
            json.addProperty("corpus_seed", corpusSeed);
            json.addProperty("max_train_characters", maxTrainCharacters);
            json.addProperty("vocab_size", vocabSize);
            json.addProperty("context", context);
            json.addProperty("hidden_size", hiddenSize);
            json.addProperty("layers", layers);
            json.addProperty("heads", heads);
            json.addProperty("dropout", dropout);
            json.addProperty("batch_size", batchSize);
            json.addProperty("steps", steps);
            json.addProperty("learning_rate", learningRate);
            json.addProperty("warmup_steps", warmupSteps);
            json.addProperty("weight_decay", weightDecay);
            json.addProperty("clip_norm", clipNorm);
            json.addProperty("seed", seed);
            json.addProperty("max_validation_tokens", maxValidationTokens);
            return json;
        }
    }

    /** A model trained in memory, with its vocabulary and report; close it to free the weights. */
    public record Trained(Gpt2 model, BpeVocabulary vocabulary, JsonObject report) implements CachedPretraining.Trained {
        /** Writes the Hugging Face folder: the model (config.json, model.safetensors) and the tokenizer files. */
        public void save(Path folder) throws IOException {
            model.save(folder);
            vocabulary.save(folder);
        }

        @Override
        public void close() {
            model.close();
        }
    }

    private GptPretraining(Scale scale, Settings settings) {
        super(KIND, PAPER_MODEL, scale, settings);
    }

    @Override
    JsonObject key(Settings s) {
        return s.toJson();
    }

    /** The pretraining of a scale: {@link Settings#smoke()}, {@link Settings#quick()}, or gpt2-medium at PAPER. */
    public static GptPretraining forScale(Scale scale) {
        return new GptPretraining(scale, scale == Scale.PAPER ? null : scale.pick(Settings.smoke(), Settings.quick(),
                null));
    }

    /** A pretraining with explicit settings. */
    public static GptPretraining of(Settings settings) {
        return new GptPretraining(null, Objects.requireNonNull(settings, "settings"));
    }

    /** Pretrains in memory (no cache): the model, its vocabulary and the report. */
    @Override
    public Trained train(NDManager manager, TrainingListener listener) {
        Settings s = requireSettings();
        long started = System.nanoTime();
        TextCorpus corpus = dataRoot == null ? TextCorpus.open() : TextCorpus.open(dataRoot);
        TextCorpus.CorpusSplit split = TextCorpus.holdOut(corpus.documents(s.sources()), s.corpusSeed(),
                s.validationFraction());
        List<String> trainTexts = limit(TextCorpus.texts(split.train()), s.maxTrainCharacters());

        BpeVocabulary vocabulary = ByteLevelBpeTrainer.withVocabSize(s.vocabSize()).train(trainTexts);
        int[] trainTokens;
        int[] validationTokens;
        try (Gpt2Tokenizer tokenizer = vocabulary.toTokenizer()) {
            trainTokens = tokenStream(tokenizer, trainTexts, Long.MAX_VALUE);
            // shuffled so that a token cap keeps a sample of every source, not the first sources only
            List<String> validationTexts = new ArrayList<>(TextCorpus.texts(split.validation()));
            java.util.Collections.shuffle(validationTexts, new Random(s.corpusSeed()));
            validationTokens = tokenStream(tokenizer, validationTexts, s.maxValidationTokens());
        }
        if (trainTokens.length < s.context() + 2) {
            throw new IllegalStateException("the training corpus has only " + trainTokens.length + " tokens; a "
                    + "window needs " + (s.context() + 1));
        }
        double preparationSeconds = (System.nanoTime() - started) / 1e9;

        Gpt2Config config = s.modelConfig().withDropout(s.dropout());
        // the vocabulary may come out smaller than asked when the corpus has few distinct pairs
        if (vocabulary.size() != config.vocabSize()) {
            config = Gpt2Config.of(vocabulary.size(), s.context(), s.hiddenSize(), s.layers(), s.heads())
                    .withDropout(s.dropout());
        }
        Gpt2 model = Gpt2.random(config, manager, s.seed());
        try {
            model.unfreeze(name -> true);
            long trainingStarted = System.nanoTime();
            Trainer.Result result;
            try (AdamW optimizer = new AdamW(List.of(ParameterGroup.decayExceptBiasAndNorm(s.learningRate(),
                    s.weightDecay())), LearningRateSchedule.cosine(s.warmupSteps(), s.steps()), manager, 0.9, 0.95,
                    1e-8)) {
                Trainer<long[]> trainer = new Trainer<long[]>(model.trainable(), optimizer,
                        (step, batch) -> languageModelLoss(model, step, batch, s.batchSize(), s.context(), true)
                                .mean())
                        .seed(s.seed())
                        .listener(listener);
                result = trainer.fit(new Windows(trainTokens, s.context(), s.batchSize(), s.seed()),
                        Trainer.Settings.steps(s.steps()).clip(s.clipNorm()));
            }
            double trainingSeconds = (System.nanoTime() - trainingStarted) / 1e9;
            model.freezeAll();
            double validationLoss = validationLoss(model, manager, validationTokens, s.context(), s.batchSize());

            JsonObject report = new JsonObject();
            report.addProperty("model", "GPT2LMHeadModel");
            report.addProperty("parameters", Reports.parameterCount(model));
            report.addProperty("vocab_size", vocabulary.size());
            report.addProperty("train_documents", split.train().size());
            report.addProperty("validation_documents", split.validation().size());
            report.addProperty("train_corpus_tokens", trainTokens.length);
            report.addProperty("validation_tokens", validationTokens.length - 1);
            long tokensSeen = result.steps() * s.batchSize() * (long) s.context();
            report.addProperty("tokens_seen", tokensSeen);
            report.addProperty("epochs_seen", (double) tokensSeen / trainTokens.length);
            report.addProperty("first_loss", result.losses().get(0));
            report.addProperty("final_loss", Reports.tailMean(result.losses(), 20));
            report.addProperty("validation_loss", validationLoss);
            report.addProperty("validation_perplexity", Math.exp(validationLoss));
            report.addProperty("training_tokens_per_second", tokensSeen / trainingSeconds);
            report.addProperty("preparation_seconds", preparationSeconds);
            report.addProperty("training_seconds", trainingSeconds);
            report.addProperty("wall_seconds", (System.nanoTime() - started) / 1e9);
            report.addProperty("split_note", split.splitNote());
            report.add("losses", Reports.sampledLosses(result.losses(), 200));
            return new Trained(model, vocabulary, report);
        } catch (RuntimeException | Error e) {
            model.close();
            throw e;
        }
    }

    /**
     * Per-token next-token negative log-likelihood [batch, context] of {@code windows} ({@code batch} rows of
     * {@code context + 1} token ids): position t predicts token t + 1.
     */
    static NDArray languageModelLoss(Gpt2 model, NDManager step, long[] windows, int batch, int context,
            boolean training) {
        NDArray tokens = step.create(windows, new Shape(batch, context + 1));
        NDArray inputs = tokens.get(":, :-1");
        NDArray targets = tokens.get(":, 1:");
        NDArray logits = model.forward(ForwardInput.ofIds(inputs).withTraining(training)).logits();
        return logits.logSoftmax(-1).gather(targets.expandDims(-1), -1).squeeze(-1).neg();
    }

    /** The mean next-token loss over consecutive windows of {@code tokens} (each token predicted once). */
    static double validationLoss(Gpt2 model, NDManager manager, int[] tokens, int context, int batchSize) {
        int windows = (tokens.length - 1) / context;
        if (windows == 0) {
            throw new IllegalStateException("the validation text has " + tokens.length + " tokens, fewer than one "
                    + "window of " + (context + 1));
        }
        double total = 0;
        long count = 0;
        for (int first = 0; first < windows; first += batchSize) {
            int rows = Math.min(batchSize, windows - first);
            long[] batch = new long[rows * (context + 1)];
            for (int r = 0; r < rows; r++) {
                int start = (first + r) * context;
                for (int i = 0; i <= context; i++) {
                    batch[r * (context + 1) + i] = tokens[start + i];
                }
            }
            try (NDManager step = manager.newSubManager()) {
                total += languageModelLoss(model, step, batch, rows, context, false).sum().getFloat();
            }
            count += (long) rows * context;
        }
        return total / count;
    }

    /** The texts, cut after {@code maxCharacters} characters in all (0: all of them). */
    private static List<String> limit(List<String> texts, long maxCharacters) {
        if (maxCharacters <= 0) {
            return texts;
        }
        List<String> out = new ArrayList<>();
        long left = maxCharacters;
        for (String text : texts) {
            if (left <= 0) {
                break;
            }
            out.add(text.length() <= left ? text : text.substring(0, (int) left));
            left -= text.length();
        }
        return out;
    }

    /** The token ids of the texts, each followed by &lt;|endoftext|&gt;, at most {@code max} of them. */
    private static int[] tokenStream(Gpt2Tokenizer tokenizer, List<String> texts, long max) {
        int endOfText = tokenizer.endOfTextId();
        int[] out = new int[1 << 16];
        int length = 0;
        for (String text : texts) {
            int[] ids = tokenizer.encode(text, false);
            if (length + ids.length + 1 > out.length) {
                out = Arrays.copyOf(out, Math.max(out.length * 2, length + ids.length + 1));
            }
            System.arraycopy(ids, 0, out, length, ids.length);
            length += ids.length;
            out[length++] = endOfText;
            if (length >= max) {
                break;
            }
        }
        return Arrays.copyOf(out, (int) Math.min(length, max));
    }

    /**
     * The training stream: each "epoch" is the corpus cut into windows of {@code context + 1} tokens at a random
     * offset, shuffled and grouped into batches; epoch k is drawn from seed + k, so the stream is repeatable.
     */
    private static final class Windows implements Supplier<Iterator<long[]>> {
        private final int[] tokens;
        private final int context;
        private final int batchSize;
        private final long seed;
        private int epoch;

        Windows(int[] tokens, int context, int batchSize, long seed) {
            this.tokens = tokens;
            this.context = context;
            this.batchSize = batchSize;
            this.seed = seed;
        }

        @Override
        public Iterator<long[]> get() {
            Random random = new Random(seed * 1_000_003L + epoch++);
            int offset = random.nextInt(context);
            int count = Math.max(1, (tokens.length - 1 - offset) / context);
            int[] starts = new int[count];
            for (int i = 0; i < count; i++) {
                starts[i] = Math.min(offset + i * context, tokens.length - context - 1);
            }
            for (int i = count - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = starts[i];
                starts[i] = starts[j];
                starts[j] = t;
            }
            // a short corpus (smoke runs) still yields at least one batch per epoch, repeating windows
            int batches = Math.max(1, count / batchSize);
            return new Iterator<>() {
                private int next;

                @Override
                public boolean hasNext() {
                    return next < batches;
                }

                @Override
                public long[] next() {
                    long[] batch = new long[batchSize * (context + 1)];
                    for (int r = 0; r < batchSize; r++) {
                        int start = starts[(next * batchSize + r) % count];
                        for (int i = 0; i <= context; i++) {
                            batch[r * (context + 1) + i] = tokens[start + i];
                        }
                    }
                    next++;
                    return batch;
                }
            };
        }
    }
}
