package org.softprompt.method.prefix;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import com.google.gson.JsonObject;

import java.util.ArrayList;
import java.util.List;

import org.softprompt.backbone.Backbone;
import org.softprompt.backbone.ForwardInput;
import org.softprompt.backbone.KvCache;
import org.softprompt.method.Reparam;
import org.softprompt.tokenize.Tokenizer;

/**
 * Builds Prefix-Tuning and its ablations for a frozen backbone:
 * <pre>{@code
 * PrefixTuning prefix = Prefix.on(gpt2).length(10).reparam(Reparam.mlp(512)).build(manager);
 * PrefixTuning fromWords = Prefix.on(gpt2).reparam(Reparam.mlp(512)).initFromText(tokenizer, "table-to-text:")
 *         .build(manager);
 * EmbeddingOnlyPrompt ablation = Prefix.on(gpt2).length(10).buildEmbeddingOnly(manager);
 * InfixTuning infix = Prefix.on(gpt2).length(10).buildInfix(separatorId, manager);
 * EncoderDecoderPrefix seq2seq = Prefix.on(bart).length(10).reparam(Reparam.mlp(800)).buildEncoderDecoder(manager);
 * }</pre>
 * Defaults: length 10, {@code Reparam.mlp(512)} (Li &amp; Liang's table-to-text setting), random initialization with
 * seed 42, positions after the prefix for causal backbones.
 */
public final class Prefix {
    /** Li &amp; Liang's lowdata_init_train3: 500 Adam steps at 1e-4 fit the MLP to the words' activations. */
    public static final int DEFAULT_FIT_STEPS = 500;
    public static final double DEFAULT_FIT_LEARNING_RATE = 1e-4;

    private final Backbone backbone;
    private int length = 10;
    private boolean lengthSet;
    private Reparam reparam = Reparam.mlp(512);
    private Boolean positionsAfterPrefix;
    private long seed = 42;
    private int[] initIds;
    private String initText;
    private int fitSteps = DEFAULT_FIT_STEPS;
    private double fitLearningRate = DEFAULT_FIT_LEARNING_RATE;

    private Prefix(Backbone backbone) {
        this.backbone = backbone;
    }

    public static Prefix on(Backbone backbone) {
        if (backbone == null) {
            throw new IllegalArgumentException("Prefix.on needs a backbone");
        }
        return new Prefix(backbone);
    }

    /** The number of prefix positions P (0 gives the frozen model). */
    public Prefix length(int prefixLength) {
        if (prefixLength < 0) {
            throw new IllegalArgumentException("prefix length must be >= 0, got " + prefixLength);
        }
        this.length = prefixLength;
        this.lengthSet = true;
        return this;
    }

    public Prefix reparam(Reparam how) {
        this.reparam = java.util.Objects.requireNonNull(how, "reparam");
        return this;
    }

    /**
     * Whether the text's positions start at P (PEFT and Li &amp; Liang on GPT-2: the prefix counts as past tokens)
     * or at 0. Default: true for causal backbones, false otherwise.
     */
    public Prefix positionsAfterPrefix(boolean on) {
        this.positionsAfterPrefix = on;
        return this;
    }

    /** Seed of the random initialization (PEFT's: embeddings N(0, 1), Linear U(+-1/sqrt(in))). */
    public Prefix seed(long randomSeed) {
        this.seed = randomSeed;
        return this;
    }

    /**
     * Initializes from the activations of real words (Li &amp; Liang section 7.2): the frozen model runs on the
     * token ids, and every layer's keys and values become the prefix, whose length becomes the number of ids.
     * With the MLP, its transform is fitted to those activations as in Li &amp; Liang's code (see {@link
     * #initFit}); for the embedding-only and infix ablations the words' input embeddings are used.
     */
    public Prefix initFromWords(int[] tokenIds, String label) {
        if (tokenIds == null || tokenIds.length == 0) {
            throw new IllegalArgumentException("initFromWords needs at least one token id");
        }
        if (lengthSet && length != tokenIds.length) {
            throw new IllegalArgumentException("length(" + length + ") disagrees with the " + tokenIds.length
                    + " init tokens of \"" + label + "\"; the prefix takes the words' length");
        }
        this.initIds = tokenIds.clone();
        this.initText = label;
        this.length = tokenIds.length;
        return this;
    }

    /** {@link #initFromWords} with the text's tokens (no special tokens added), e.g. "table-to-text:". */
    public Prefix initFromText(Tokenizer tokenizer, String text) {
        return initFromWords(tokenizer.encode(text, false), text);
    }

    /** Steps and learning rate of the MLP fit to the words' activations (default 500 at 1e-4). */
    public Prefix initFit(int steps, double learningRate) {
        if (steps < 0 || !(learningRate > 0)) {
            throw new IllegalArgumentException("initFit needs steps >= 0 and a positive rate, got " + steps + ", "
                    + learningRate);
        }
        this.fitSteps = steps;
        this.fitLearningRate = learningRate;
        return this;
    }

    private JsonObject initialization() {
        JsonObject init = new JsonObject();
        if (initIds == null) {
            init.addProperty("kind", "random");
            init.addProperty("seed", seed);
        } else {
            init.addProperty("kind", "words");
            init.addProperty("text", initText);
            init.add("token_ids", PrefixTuning.ids(initIds));
        }
        return init;
    }

    /** Prefix-Tuning proper: per-layer key/value prefixes. */
    public PrefixTuning build(NDManager manager) {
        boolean shift = positionsAfterPrefix != null ? positionsAfterPrefix : backbone.supportsCache();
        JsonObject init = initialization();
        PrefixTuning prefix = new PrefixTuning(backbone, manager, length, reparam, shift, init, seed);
        if (initIds != null) {
            try (NDManager scope = manager.newSubManager()) {
                prefix.initializeTo(wordActivations(scope), fitSteps, fitLearningRate);
            } catch (RuntimeException e) {
                prefix.close();
                throw e;
            }
            if (reparam.isMlp()) {
                init.addProperty("fit_steps", fitSteps);
                init.addProperty("fit_learning_rate", fitLearningRate);
            }
        }
        return prefix;
    }

    /**
     * Prefix-Tuning of an encoder-decoder ({@link Bart}): prefixes of length P for the encoder, the decoder and the
     * cross-attention. Initialization from words is not supported here (it needs a causal model's cache).
     */
    public EncoderDecoderPrefix buildEncoderDecoder(NDManager manager) {
        if (!(backbone instanceof org.softprompt.backbone.Bart bart)) {
            throw new IllegalArgumentException("buildEncoderDecoder needs an encoder-decoder (Bart), got "
                    + backbone.architecture() + "; use build() for decoder-only and encoder-only models");
        }
        if (initIds != null) {
            throw new UnsupportedOperationException("initialization from words is implemented for causal models "
                    + "only; build the encoder-decoder prefix with a random initialization");
        }
        return new EncoderDecoderPrefix(bart, manager, length, reparam, initialization(), seed);
    }

    /** The embedding-only ablation: P trainable input embeddings in front of the text. */
    public EmbeddingOnlyPrompt buildEmbeddingOnly(NDManager manager) {
        JsonObject init = initialization();
        SoftTokens tokens = new SoftTokens(backbone, manager, length, reparam, seed, initIds, init, fitSteps,
                fitLearningRate);
        return new EmbeddingOnlyPrompt(backbone, tokens, init);
    }

    /** The infix ablation: P trainable input embeddings right after the first {@code separatorId} of each row. */
    public InfixTuning buildInfix(int separatorId, NDManager manager) {
        JsonObject init = initialization();
        SoftTokens tokens = new SoftTokens(backbone, manager, length, reparam, seed, initIds, init, fitSteps,
                fitLearningRate);
        return new InfixTuning(backbone, tokens, separatorId, init);
    }

    /** The frozen model's keys and values for the init words at positions 0..P-1, as a table [P, 2Ld]. */
    private NDArray wordActivations(NDManager scope) {
        if (!backbone.supportsCache()) {
            throw new UnsupportedOperationException(backbone.architecture() + " keeps no key/value cache; "
                    + "initialization from words needs a causal backbone");
        }
        long[] ids = new long[initIds.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = initIds[i];
        }
        try (KvCache cache = backbone.newCache(scope)) {
            backbone.forward(ForwardInput.ofIds(scope.create(ids, new Shape(1, ids.length))).withCache(cache)
                    .withLogits(false));
            List<NDArray> keys = new ArrayList<>();
            List<NDArray> values = new ArrayList<>();
            for (int layer = 0; layer < backbone.numLayers(); layer++) {
                keys.add(cache.key(layer));
                values.add(cache.value(layer));
            }
            NDArray table = PrefixTuning.join(keys, values);
            table.attach(scope);
            return table;
        }
    }
}
