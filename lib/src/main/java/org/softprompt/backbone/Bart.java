package org.softprompt.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import org.softprompt.Tensors;

/**
 * BART (transformers' BartForConditionalGeneration; BartModel checkpoints load too), the encoder-decoder that
 * Prefix-Tuning's summarization and table-to-text experiments use, computing what transformers computes.
 *
 * <p>Both stacks are post-LayerNorm: token embeddings (model.shared, optionally times sqrt(d_model)) plus learned
 * positions (looked up at position + 2), layernorm_embedding, then layers of x = LN(x + attn(x)) and
 * x = LN(x + ffn(x)); decoder layers add x = LN(x + crossAttn(x, encoder output)) between the two. The LM head is
 * model.shared (tied) plus final_logits_bias.
 *
 * <p>Prompt methods enter each attention kind separately: {@link ForwardInput#prefixes()} are the encoder's
 * self-attention prefixes, {@link DecoderInput#prefixes()} the decoder's self-attention prefixes and
 * {@link DecoderInput#crossPrefixes()} the cross-attention prefixes (Li &amp; Liang's three prefix sets for BART).
 * The {@link KvCache} is the decoder's: self-attention keys and values grow per step, cross-attention keys and
 * values are projected from the encoder output by the first cached pass and reused. For step-by-step decoding run
 * the encoder once ({@link #encode}) and pass its output with {@link ForwardInput#ofEncoderOutput}.
 */
public final class Bart extends Backbone {
    private static final String BASE = "model.";
    private static final String ENCODER = "model.encoder.";
    private static final String DECODER = "model.decoder.";
    private static final String SHARED = "model.shared.weight";
    private static final String LOGITS_BIAS = "final_logits_bias";

    private final BartConfig config;
    private final boolean hasLogitsBias;

    private Bart(BartConfig config, Weights weights, LoadReport report) {
        super(weights, report);
        this.config = config;
        this.hasLogitsBias = weights.contains(LOGITS_BIAS);
    }

    /** Loads a checkpoint folder (config.json + safetensors), failing on any mismatch. */
    public static Bart load(Path dir, NDManager manager) {
        return load(dir, manager, LoadOptions.strict());
    }

    public static Bart load(Path dir, NDManager manager, LoadOptions options) {
        return load(dir, BartConfig.read(dir), manager, options);
    }

    /**
     * Loads the tensors of {@code dir} into a model shaped by {@code config}. final_logits_bias is present when the
     * checkpoint has it (a BartModel checkpoint has not: the logits then have no bias, as transformers' zeros) or
     * as {@link LoadOptions#taskHead()} says.
     */
    public static Bart load(Path dir, BartConfig config, NDManager manager, LoadOptions options) {
        Checkpoint checkpoint = Checkpoint.open(dir);
        boolean logitsBias = options.taskHead() != null ? options.taskHead()
                : checkpoint.shapes().containsKey(LOGITS_BIAS);
        ModelSpec spec = spec(config, logitsBias);
        Set<String> stored = checkpoint.shapes().keySet().stream().map(spec::canonical).collect(Collectors.toSet());
        if (!stored.contains(SHARED)) {
            // the tied copies are one tensor in transformers, so a checkpoint may keep any one of them
            for (String copy : tiedCopies(config)) {
                if (stored.contains(copy)) {
                    spec = spec.withAlias(copy, SHARED);
                    break;
                }
            }
        }
        ModelSpec.Loaded loaded = spec.load(checkpoint, options, manager);
        return new Bart(config, loaded.weights(), loaded.report());
    }

    /** The names that transformers ties to model.shared. */
    private static List<String> tiedCopies(BartConfig c) {
        return c.tieWordEmbeddings()
                ? List.of(ENCODER + "embed_tokens.weight", DECODER + "embed_tokens.weight", "lm_head.weight")
                : List.of(ENCODER + "embed_tokens.weight", DECODER + "embed_tokens.weight");
    }

    /** A BartForConditionalGeneration with Hugging Face's random initialization, reproducible from {@code seed}. */
    public static Bart random(BartConfig config, NDManager manager, long seed) {
        return new Bart(config, spec(config, true).initialize(manager, seed), LoadReport.none());
    }

    /** A model over existing weights (taking ownership); final_logits_bias is used if present. */
    public static Bart of(BartConfig config, Weights weights) {
        spec(config, weights.contains(LOGITS_BIAS)).check(weights, "the given weights");
        return new Bart(config, weights, LoadReport.none());
    }

    /** The expected tensors in Hugging Face's order, with BartPreTrainedModel._init_weights' initialization. */
    static ModelSpec spec(BartConfig c, boolean logitsBias) {
        int d = c.hiddenSize();
        Map<String, Shape> shapes = new LinkedHashMap<>();
        if (logitsBias) {
            shapes.put(LOGITS_BIAS, new Shape(1, c.vocabSize()));
        }
        shapes.put(SHARED, new Shape(c.vocabSize(), d));
        shapes.put(ENCODER + "embed_positions.weight", new Shape(c.maxPositions() + BartConfig.POSITION_OFFSET, d));
        for (int i = 0; i < c.encoderLayers(); i++) {
            String p = ENCODER + "layers." + i + ".";
            putAttention(shapes, p + "self_attn.", d);
            putLayerNorm(shapes, p + "self_attn_layer_norm", d);
            putFeedForward(shapes, p, d, c.encoderFfnDim());
        }
        putLayerNorm(shapes, ENCODER + "layernorm_embedding", d);
        shapes.put(DECODER + "embed_positions.weight", new Shape(c.maxPositions() + BartConfig.POSITION_OFFSET, d));
        for (int i = 0; i < c.decoderLayers(); i++) {
            String p = DECODER + "layers." + i + ".";
            putAttention(shapes, p + "self_attn.", d);
            putLayerNorm(shapes, p + "self_attn_layer_norm", d);
            putAttention(shapes, p + "encoder_attn.", d);
            putLayerNorm(shapes, p + "encoder_attn_layer_norm", d);
            putFeedForward(shapes, p, d, c.decoderFfnDim());
        }
        putLayerNorm(shapes, DECODER + "layernorm_embedding", d);
        if (!c.tieWordEmbeddings()) {
            shapes.put("lm_head.weight", new Shape(c.vocabSize(), d));
        }
        Function<String, Init> init = name -> {
            if (name.contains("layer_norm") || name.contains("layernorm_embedding")) {
                return name.endsWith(".weight") ? Init.ones() : Init.zeros();
            }
            if (name.endsWith(".bias") || name.equals(LOGITS_BIAS)) {
                return Init.zeros();
            }
            Init normal = Init.normal(c.initStd());
            // nn.Embedding(vocab, d, padding_idx=pad); the position tables have no padding row
            return name.equals(SHARED) ? normal.withZeroRow(c.padTokenId()) : normal;
        };
        // the tied copies of model.shared that checkpoints may store
        Predicate<String> ignorable = tiedCopies(c)::contains;
        return new ModelSpec("BART", shapes, init, ignorable, BASE);
    }

    /** BartAttention's projections in Hugging Face's order. */
    private static void putAttention(Map<String, Shape> shapes, String p, int d) {
        for (String projection : new String[] {"k_proj", "v_proj", "q_proj", "out_proj"}) {
            shapes.put(p + projection + ".weight", new Shape(d, d));
            shapes.put(p + projection + ".bias", new Shape(d));
        }
    }

    private static void putLayerNorm(Map<String, Shape> shapes, String module, int d) {
        shapes.put(module + ".weight", new Shape(d));
        shapes.put(module + ".bias", new Shape(d));
    }

    private static void putFeedForward(Map<String, Shape> shapes, String p, int d, int ffn) {
        shapes.put(p + "fc1.weight", new Shape(ffn, d));
        shapes.put(p + "fc1.bias", new Shape(ffn));
        shapes.put(p + "fc2.weight", new Shape(d, ffn));
        shapes.put(p + "fc2.bias", new Shape(d));
        putLayerNorm(shapes, p + "final_layer_norm", d);
    }

    @Override
    public BartConfig config() {
        return config;
    }

    /** Whether final_logits_bias is present (BartForConditionalGeneration) or not (a BartModel checkpoint). */
    public boolean hasLogitsBias() {
        return hasLogitsBias;
    }

    /**
     * The whole encoder-decoder: the encoder (unless {@link ForwardInput#encoderOutput()} is given), then the
     * decoder over {@link ForwardInput#decoder()} (by default the encoder's ids shifted right) attending to it.
     * Logits, lastHiddenState and hiddenStates are the decoder's; encoderLastHiddenState is the encoder's output.
     * With an encoderOutput the encoder's prefixes, hooks and position ids are not used (they shaped that output
     * already), so a method can enter every step of a decoding loop the same way; the attention mask still applies
     * to the cross-attention.
     */
    @Override
    public ForwardOutput forward(ForwardInput in) {
        checkEncoderInput(in);
        DecoderInput decoder = in.decoder() != null ? in.decoder() : DecoderInput.shiftedFromEncoderIds();
        NDManager caller = in.manager();
        try (NDManager scope = caller.newSubManager()) {
            Encoded encoded = in.encoderOutput() != null
                    ? new Encoded(Nn.local(scope, checkEmbeds(in.encoderOutput(), "encoderOutput")), List.of())
                    : runEncoder(scope, in);
            KvCache cache = in.cache();
            NDArray ids = decoder.inputIds() != null ? Nn.local(scope, decoder.inputIds())
                    : decoder.inputsEmbeds() == null ? shiftRight(Nn.local(scope, encoderIds(in))) : null;
            NDArray hidden = ids != null ? embedTokens(ids)
                    : Nn.local(scope, checkEmbeds(decoder.inputsEmbeds(), "decoder inputsEmbeds"));
            long batch = hidden.getShape().get(0);
            long length = hidden.getShape().get(1);
            NDArray encoderOutput = encoded.output();
            if (encoderOutput.getShape().get(0) != batch) {
                throw new IllegalArgumentException("the decoder input has a batch of " + batch
                        + "; the encoder's has " + encoderOutput.getShape().get(0));
            }
            long past = cache == null ? 0 : cache.length();
            hidden = hidden.add(positionEmbeddings(scope, DECODER, null, past, length));
            hidden = layerNorm(hidden, DECODER + "layernorm_embedding");
            hidden = Nn.dropout(hidden, config.dropout(), in.training());
            Hooks hooks = decoder.hooks();
            hidden = Nn.adopt(hooks.afterEmbeddings(hidden), hidden);

            int layers = config.decoderLayers();
            AttentionContext selfAttention = new AttentionContext(scope, "BART's decoder", layers, true, batch,
                    hidden.getShape().get(1), decoder.attentionMask(), decoder.prefixes(), cache);
            AttentionContext crossAttention = AttentionContext.cross(scope, "BART's cross-attention", layers, batch,
                    hidden.getShape().get(1), encoderOutput.getShape().get(1), in.attentionMask(),
                    decoder.crossPrefixes());
            CrossKeysValues crossKeysValues = new CrossKeysValues(scope, cache, encoderOutput);
            List<NDArray> hiddenStates = new ArrayList<>();
            for (int layer = 0; layer < layers; layer++) {
                hidden = Nn.adopt(hooks.beforeLayer(layer, hidden), hidden);
                if (in.outputHiddenStates()) {
                    hiddenStates.add(hidden);
                }
                // transformers skips whole layers while training (LayerDrop); a cache needs every layer's keys
                if (cache == null && dropsLayer(scope, config.decoderLayerDrop(), in.training())) {
                    continue;
                }
                hidden = decoderLayer(layer, hidden, selfAttention, crossAttention, crossKeysValues, hooks,
                        in.training());
            }
            if (in.outputHiddenStates()) {
                hiddenStates.add(hidden);
            }
            NDArray logits = in.computeLogits() ? lmLogits(Nn.lastPositions(hidden, in.logitsToKeep())) : null;
            selfAttention.commit();
            crossKeysValues.commit();
            return Outputs.of(caller, logits, hidden, hiddenStates, cache, encoderOutput, encoded.hiddenStates());
        }
    }

    /**
     * Runs only the encoder over {@link ForwardInput}'s ids or embeddings, attention mask, (encoder) prefixes and
     * hooks. lastHiddenState and encoderLastHiddenState are both the encoder output; hiddenStates and
     * encoderHiddenStates both the encoder's hidden states when requested. Outputs belong to the input's manager.
     */
    public ForwardOutput encode(ForwardInput in) {
        checkEncoderInput(in);
        if (in.encoderOutput() != null) {
            throw new IllegalArgumentException("encode takes the encoder's inputIds or inputsEmbeds, not an "
                    + "encoderOutput");
        }
        NDManager caller = in.primary().getManager();
        try (NDManager scope = caller.newSubManager()) {
            Encoded encoded = runEncoder(scope, in);
            return Outputs.of(caller, null, encoded.output(), encoded.hiddenStates(), null, encoded.output(),
                    encoded.hiddenStates());
        }
    }

    /** The encoder's output and (when requested) its hidden states, in a forward pass's scope. */
    private record Encoded(NDArray output, List<NDArray> hiddenStates) {}

    private Encoded runEncoder(NDManager scope, ForwardInput in) {
        NDArray ids = Nn.local(scope, in.inputIds());
        NDArray hidden = ids != null ? embedTokens(ids)
                : Nn.local(scope, checkEmbeds(in.inputsEmbeds(), "inputsEmbeds"));
        long batch = hidden.getShape().get(0);
        long length = hidden.getShape().get(1);
        hidden = hidden.add(positionEmbeddings(scope, ENCODER, in.positionIds(), 0, length));
        hidden = layerNorm(hidden, ENCODER + "layernorm_embedding");
        hidden = Nn.dropout(hidden, config.dropout(), in.training());
        hidden = Nn.adopt(in.hooks().afterEmbeddings(hidden), hidden);

        AttentionContext attention = new AttentionContext(scope, "BART's encoder", config.encoderLayers(), false,
                batch, hidden.getShape().get(1), in.attentionMask(), in.prefixes(), null);
        List<NDArray> hiddenStates = new ArrayList<>();
        for (int layer = 0; layer < config.encoderLayers(); layer++) {
            hidden = Nn.adopt(in.hooks().beforeLayer(layer, hidden), hidden);
            if (in.outputHiddenStates()) {
                hiddenStates.add(hidden);
            }
            if (dropsLayer(scope, config.encoderLayerDrop(), in.training())) {
                continue;
            }
            hidden = encoderLayer(layer, hidden, attention, in.hooks(), in.training());
        }
        if (in.outputHiddenStates()) {
            hiddenStates.add(hidden);
        }
        return new Encoded(hidden, hiddenStates);
    }

    /** One encoder layer: self-attention and feed-forward, each added to its input and then normalized. */
    private NDArray encoderLayer(int layer, NDArray x, AttentionContext attention, Hooks hooks, boolean training) {
        String p = ENCODER + "layers." + layer + ".";
        int heads = config.encoderHeads();
        NDArray q = Nn.splitHeads(linear(x, p + "self_attn.q_proj"), heads);
        NDArray k = Nn.splitHeads(linear(x, p + "self_attn.k_proj"), heads);
        NDArray v = Nn.splitHeads(linear(x, p + "self_attn.v_proj"), heads);
        NDArray a = attention.attend(layer, q, k, v, Math.sqrt(config.encoderHeadDim()), config.attentionDropout(),
                training);
        a = Nn.dropout(linear(Nn.mergeHeads(a), p + "self_attn.out_proj"), config.dropout(), training);
        a = Nn.adopt(hooks.afterAttention(layer, a), a);
        x = layerNorm(x.add(a), p + "self_attn_layer_norm");
        return feedForward(layer, x, p, hooks, training);
    }

    /** One decoder layer: causal self-attention, cross-attention over the encoder output, feed-forward. */
    private NDArray decoderLayer(int layer, NDArray x, AttentionContext selfAttention,
                                 AttentionContext crossAttention, CrossKeysValues crossKeysValues, Hooks hooks,
                                 boolean training) {
        String p = DECODER + "layers." + layer + ".";
        int heads = config.decoderHeads();
        double divisor = Math.sqrt(config.decoderHeadDim());
        NDArray q = Nn.splitHeads(linear(x, p + "self_attn.q_proj"), heads);
        NDArray k = Nn.splitHeads(linear(x, p + "self_attn.k_proj"), heads);
        NDArray v = Nn.splitHeads(linear(x, p + "self_attn.v_proj"), heads);
        NDArray a = selfAttention.attend(layer, q, k, v, divisor, config.attentionDropout(), training);
        a = Nn.dropout(linear(Nn.mergeHeads(a), p + "self_attn.out_proj"), config.dropout(), training);
        a = Nn.adopt(hooks.afterAttention(layer, a), a);
        x = layerNorm(x.add(a), p + "self_attn_layer_norm");

        q = Nn.splitHeads(linear(x, p + "encoder_attn.q_proj"), heads);
        NDArray c = crossAttention.attend(layer, q, crossKeysValues.key(layer), crossKeysValues.value(layer),
                divisor, config.attentionDropout(), training);
        c = Nn.dropout(linear(Nn.mergeHeads(c), p + "encoder_attn.out_proj"), config.dropout(), training);
        c = Nn.adopt(hooks.afterCrossAttention(layer, c), c);
        x = layerNorm(x.add(c), p + "encoder_attn_layer_norm");
        return feedForward(layer, x, p, hooks, training);
    }

    private NDArray feedForward(int layer, NDArray x, String p, Hooks hooks, boolean training) {
        NDArray m = config.activation().apply(linear(x, p + "fc1"));
        m = Nn.dropout(m, config.activationDropout(), training);
        m = Nn.dropout(linear(m, p + "fc2"), config.dropout(), training);
        m = Nn.adopt(hooks.afterFeedForward(layer, m), m);
        return layerNorm(x.add(m), p + "final_layer_norm");
    }

    /**
     * Each decoder layer's cross-attention keys and values [B, heads, source, headDim]: from the cache when it holds
     * them (the encoder output is then not projected again), else projected from the encoder output and, with a
     * cache, handed to it when the pass completes.
     */
    private final class CrossKeysValues {
        private final KvCache cache;
        private final boolean cached;
        private final NDArray[] keys;
        private final NDArray[] values;

        CrossKeysValues(NDManager scope, KvCache cache, NDArray encoderOutput) {
            this.cache = cache;
            this.cached = cache != null && cache.hasCrossAttention();
            int layers = config.decoderLayers();
            keys = new NDArray[layers];
            values = new NDArray[layers];
            if (cached) {
                Shape stored = cache.crossKey(0).getShape();
                Shape encoder = encoderOutput.getShape();
                if (stored.get(0) != encoder.get(0) || stored.get(2) != encoder.get(1)) {
                    throw new IllegalArgumentException("the KV cache holds cross-attention keys for a batch of "
                            + stored.get(0) + " and " + stored.get(2) + " encoder positions; this encoder output is "
                            + encoder + " (start a new cache for new source sequences)");
                }
                for (int layer = 0; layer < layers; layer++) {
                    keys[layer] = Nn.local(scope, cache.crossKey(layer));
                    values[layer] = Nn.local(scope, cache.crossValue(layer));
                }
            } else {
                for (int layer = 0; layer < layers; layer++) {
                    String p = DECODER + "layers." + layer + ".encoder_attn.";
                    keys[layer] = Nn.splitHeads(linear(encoderOutput, p + "k_proj"), config.decoderHeads());
                    values[layer] = Nn.splitHeads(linear(encoderOutput, p + "v_proj"), config.decoderHeads());
                }
            }
        }

        NDArray key(int layer) {
            return keys[layer];
        }

        NDArray value(int layer) {
            return values[layer];
        }

        void commit() {
            if (cache != null && !cached) {
                cache.commitCross(keys, values);
            }
        }
    }

    /** The tied LM head (or an untied lm_head.weight) plus final_logits_bias. */
    private NDArray lmLogits(NDArray hidden) {
        NDArray head = weight(config.tieWordEmbeddings() ? SHARED : "lm_head.weight");
        NDArray logits = Nn.linear(hidden, head, null);
        return hasLogitsBias ? logits.add(weight(LOGITS_BIAS)) : logits;
    }

    /** BartScaledWordEmbedding: rows of model.shared times embedScale. */
    private NDArray embedTokens(NDArray ids) {
        NDArray embeds = Nn.embedding(ids, weight(SHARED));
        return config.scaleEmbedding() ? Tensors.times(embeds, config.embedScale()) : embeds;
    }

    /** BartLearnedPositionalEmbedding: rows position + 2, positions past, past + 1, ... unless given. */
    private NDArray positionEmbeddings(NDManager scope, String stack, NDArray positionIds, long past, long length) {
        NDArray positions;
        if (positionIds != null) {
            positions = Nn.local(scope, positionIds);
        } else {
            if (past + length > config.maxPositions()) {
                throw new IllegalArgumentException("positions " + past + ".." + (past + length - 1) + " exceed "
                        + "BART's " + config.maxPositions() + " (max_position_embeddings)");
            }
            positions = scope.arange((int) past, (int) (past + length)).toType(DataType.INT64, false)
                    .reshape(1, length);
        }
        return Nn.embedding(positions.add(BartConfig.POSITION_OFFSET), weight(stack + "embed_positions.weight"));
    }

    /**
     * transformers' shift_tokens_right: decoder_start_token_id, then the ids without the last, with -100 (the
     * ignored label) replaced by pad_token_id. Turns labels [B, T] into the teacher-forcing decoder input; the result
     * is int64 in the ids' manager.
     */
    public NDArray shiftRight(NDArray ids) {
        if (ids.getShape().dimension() != 2) {
            throw new IllegalArgumentException("ids to shift must be [batch, length], got " + ids.getShape());
        }
        long batch = ids.getShape().get(0);
        long length = ids.getShape().get(1);
        NDArray start = ids.getManager().full(new Shape(batch, 1), config.decoderStartTokenId(), DataType.INT64);
        NDArray shifted = start.concat(ids.toType(DataType.INT64, false).get(":, 0:" + (length - 1)), 1);
        return NDArrays.where(shifted.eq(-100), shifted.onesLike().mul(config.padTokenId()), shifted);
    }

    /** Whether a training pass skips a layer (LayerDrop), drawn from the engine's random generator. */
    private static boolean dropsLayer(NDManager scope, double probability, boolean training) {
        return training && probability > 0
                && scope.randomUniform(0, 1, new Shape(1)).getFloat() < probability;
    }

    private NDArray encoderIds(ForwardInput in) {
        if (in.inputIds() == null) {
            throw new IllegalArgumentException("no decoder input: give DecoderInput.ofIds or ofEmbeds (the decoder "
                    + "input can be derived only from the encoder's inputIds, by shifting them right)");
        }
        return in.inputIds();
    }

    private void checkEncoderInput(ForwardInput in) {
        if (in.pixelValues() != null) {
            throw new IllegalArgumentException("BART takes inputIds, inputsEmbeds or an encoderOutput, not "
                    + "pixelValues");
        }
        if (in.tokenTypeIds() != null) {
            throw new IllegalArgumentException("BART has no token types; tokenTypeIds must be null");
        }
    }

    private NDArray checkEmbeds(NDArray embeds, String what) {
        if (embeds.getShape().get(2) != hiddenSize()) {
            throw new IllegalArgumentException(what + " is " + embeds.getShape() + "; BART's d_model is "
                    + hiddenSize());
        }
        return embeds;
    }

    private NDArray linear(NDArray x, String module) {
        return Nn.linear(x, weight(module + ".weight"), weight(module + ".bias"));
    }

    private NDArray layerNorm(NDArray x, String module) {
        return Nn.layerNorm(x, weight(module + ".weight"), weight(module + ".bias"), BartConfig.LAYER_NORM_EPS);
    }

    /** A new empty cache for the decoder's layers (self-attention and cross-attention keys and values). */
    @Override
    public KvCache newCache(NDManager manager) {
        return new KvCache(config.decoderLayers(), manager);
    }

    /** Encoder layer {@code layer}'s prefix (as transformers' num_hidden_layers, layers are the encoder's). */
    @Override
    public String layerPrefix(int layer) {
        return encoderLayerPrefix(layer);
    }

    public String encoderLayerPrefix(int layer) {
        return ENCODER + "layers." + layer + ".";
    }

    public String decoderLayerPrefix(int layer) {
        return DECODER + "layers." + layer + ".";
    }

    /** The encoder's tensors (its layers, positions and embedding LayerNorm; model.shared is in neither stack). */
    public Predicate<String> encoder() {
        return name -> name.startsWith(ENCODER);
    }

    /** The decoder's tensors. */
    public Predicate<String> decoder() {
        return name -> name.startsWith(DECODER);
    }

    @Override
    public Predicate<String> taskHead() {
        return name -> name.equals(LOGITS_BIAS) || name.startsWith("lm_head.");
    }

    @Override
    public Predicate<String> embeddings() {
        return name -> name.equals(SHARED) || name.contains("embed_positions.")
                || name.contains("layernorm_embedding.");
    }

    @Override
    public String architecture() {
        return "BartForConditionalGeneration";
    }

    @Override
    public boolean supportsCache() {
        return true;
    }
}
