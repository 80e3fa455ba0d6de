package org.softprompt.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * BERT (transformers' BertModel with its pooler, and BertForMaskedLM's head), also RoBERTa-shaped checkpoints
 * (names roberta.* and lm_head.*, position ids counted from pad_token_id + 1), computing what transformers computes.
 *
 * <p>Post-LayerNorm encoder: x = LN(x + attn(x)); x = LN(x + ffn(x)). The pooler and the masked-LM head are
 * optional parts: present when the checkpoint has them (or as {@link LoadOptions} says). With is_decoder the
 * self-attention is causal and a {@link KvCache} can be used.
 */
public final class Bert extends Backbone {
    private final BertConfig config;
    /** "bert." or "roberta.". */
    private final String base;
    private final boolean hasPooler;
    private final boolean hasHead;

    private Bert(BertConfig config, Weights weights, LoadReport report) {
        super(weights, report);
        this.config = config;
        this.base = basePrefix(config);
        this.hasPooler = weights.contains(base + "pooler.dense.weight");
        this.hasHead = weights.contains(headNames(config).transformDense + ".weight");
    }

    /** Loads a checkpoint folder (config.json + safetensors), failing on any mismatch. */
    public static Bert load(Path dir, NDManager manager) {
        return load(dir, manager, LoadOptions.strict());
    }

    public static Bert load(Path dir, NDManager manager, LoadOptions options) {
        return load(dir, BertConfig.read(dir), manager, options);
    }

    /** Loads the tensors of {@code dir} into a model shaped by {@code config} (instead of dir's config.json). */
    public static Bert load(Path dir, BertConfig config, NDManager manager, LoadOptions options) {
        Checkpoint checkpoint = Checkpoint.open(dir);
        ModelSpec all = spec(config, true, true);
        HeadNames head = headNames(config);
        boolean pooler = options.pooler() != null ? options.pooler()
                : checkpoint.shapes().keySet().stream().map(all::canonical)
                        .anyMatch(name -> name.startsWith(basePrefix(config) + "pooler."));
        boolean mlm = options.taskHead() != null ? options.taskHead()
                : checkpoint.shapes().keySet().stream().map(all::canonical)
                        .anyMatch(name -> name.startsWith(head.transformDense) || name.equals(head.bias));
        ModelSpec.Loaded loaded = spec(config, pooler, mlm).load(checkpoint, options, manager);
        return new Bert(config, loaded.weights(), loaded.report());
    }

    /** A model with Hugging Face's random initialization, with a pooler and the MLM head. */
    public static Bert random(BertConfig config, NDManager manager, long seed) {
        return random(config, manager, seed, true, true);
    }

    public static Bert random(BertConfig config, NDManager manager, long seed, boolean pooler, boolean mlmHead) {
        return new Bert(config, spec(config, pooler, mlmHead).initialize(manager, seed), LoadReport.none());
    }

    /** A model over existing weights (taking ownership); pooler and head are present if their tensors are. */
    public static Bert of(BertConfig config, Weights weights) {
        HeadNames head = headNames(config);
        spec(config, weights.contains(basePrefix(config) + "pooler.dense.weight"),
                weights.contains(head.transformDense + ".weight")).check(weights, "the given weights");
        return new Bert(config, weights, LoadReport.none());
    }

    private static String basePrefix(BertConfig config) {
        return config.robertaStyle() ? "roberta." : "bert.";
    }

    /** Where the masked-LM head's tensors live: BERT's cls.predictions.* or RoBERTa's lm_head.*. */
    private record HeadNames(String transformDense, String layerNorm, String bias, String decoder) {}

    private static HeadNames headNames(BertConfig config) {
        return config.robertaStyle()
                ? new HeadNames("lm_head.dense", "lm_head.layer_norm", "lm_head.bias", "lm_head.decoder")
                : new HeadNames("cls.predictions.transform.dense", "cls.predictions.transform.LayerNorm",
                        "cls.predictions.bias", "cls.predictions.decoder");
    }

    /** The expected tensors in Hugging Face's order, with BertPreTrainedModel._init_weights' initialization. */
    static ModelSpec spec(BertConfig c, boolean pooler, boolean mlmHead) {
        String base = basePrefix(c);
        HeadNames head = headNames(c);
        int d = c.hiddenSize();
        int inner = c.intermediateSize();
        Map<String, Shape> shapes = new LinkedHashMap<>();
        shapes.put(base + "embeddings.word_embeddings.weight", new Shape(c.vocabSize(), d));
        shapes.put(base + "embeddings.position_embeddings.weight", new Shape(c.maxPositions(), d));
        shapes.put(base + "embeddings.token_type_embeddings.weight", new Shape(c.typeVocabSize(), d));
        shapes.put(base + "embeddings.LayerNorm.weight", new Shape(d));
        shapes.put(base + "embeddings.LayerNorm.bias", new Shape(d));
        for (int i = 0; i < c.numLayers(); i++) {
            String p = base + "encoder.layer." + i + ".";
            for (String projection : new String[] {"query", "key", "value"}) {
                shapes.put(p + "attention.self." + projection + ".weight", new Shape(d, d));
                shapes.put(p + "attention.self." + projection + ".bias", new Shape(d));
            }
            shapes.put(p + "attention.output.dense.weight", new Shape(d, d));
            shapes.put(p + "attention.output.dense.bias", new Shape(d));
            shapes.put(p + "attention.output.LayerNorm.weight", new Shape(d));
            shapes.put(p + "attention.output.LayerNorm.bias", new Shape(d));
            shapes.put(p + "intermediate.dense.weight", new Shape(inner, d));
            shapes.put(p + "intermediate.dense.bias", new Shape(inner));
            shapes.put(p + "output.dense.weight", new Shape(d, inner));
            shapes.put(p + "output.dense.bias", new Shape(d));
            shapes.put(p + "output.LayerNorm.weight", new Shape(d));
            shapes.put(p + "output.LayerNorm.bias", new Shape(d));
        }
        if (pooler) {
            shapes.put(base + "pooler.dense.weight", new Shape(d, d));
            shapes.put(base + "pooler.dense.bias", new Shape(d));
        }
        if (mlmHead) {
            shapes.put(head.bias, new Shape(c.vocabSize()));
            shapes.put(head.transformDense + ".weight", new Shape(d, d));
            shapes.put(head.transformDense + ".bias", new Shape(d));
            shapes.put(head.layerNorm + ".weight", new Shape(d));
            shapes.put(head.layerNorm + ".bias", new Shape(d));
            if (!c.tieWordEmbeddings()) {
                shapes.put(head.decoder + ".weight", new Shape(c.vocabSize(), d));
            }
        }
        double range = c.initializerRange();
        Function<String, Init> init = name -> {
            if (name.contains("LayerNorm") || name.contains("layer_norm")) {
                return name.endsWith(".weight") ? Init.ones() : Init.zeros();
            }
            if (name.endsWith(".bias")) {
                return Init.zeros();
            }
            Init normal = Init.normal(range);
            if (c.padTokenId() >= 0 && (name.endsWith("word_embeddings.weight")
                    || (c.robertaStyle() && name.endsWith("position_embeddings.weight")))) {
                return normal.withZeroRow(c.padTokenId());
            }
            return normal;
        };
        // Tied copies of the decoder, the position_ids buffer older checkpoints store, and the next-sentence head
        // of BertForPreTraining checkpoints such as bert-base-uncased (listed in the report's ignored names)
        Predicate<String> ignorable = name -> name.endsWith("embeddings.position_ids")
                || name.startsWith("cls.seq_relationship.")
                || name.equals(head.decoder + ".bias")
                || (c.tieWordEmbeddings() && name.equals(head.decoder + ".weight"));
        return new ModelSpec(c.robertaStyle() ? "RoBERTa" : "BERT", shapes, init, ignorable, base);
    }

    @Override
    public BertConfig config() {
        return config;
    }

    public boolean hasPooler() {
        return hasPooler;
    }

    /** Whether the masked-LM head is present (then {@link ForwardOutput#logits()} are its vocabulary logits). */
    public boolean hasMlmHead() {
        return hasHead;
    }

    @Override
    public ForwardOutput forward(ForwardInput in) {
        if (in.pixelValues() != null) {
            throw new IllegalArgumentException("BERT takes inputIds or inputsEmbeds, not pixelValues");
        }
        Backbone.requireNoEncoderDecoderInputs(in, "BERT");
        if (in.cache() != null && !config.isDecoder()) {
            throw new IllegalArgumentException("a KV cache needs causal attention: this BERT's config has "
                    + "is_decoder = false");
        }
        NDManager caller = in.manager();
        try (NDManager scope = caller.newSubManager()) {
            KvCache cache = in.cache();
            long past = cache == null ? 0 : cache.length();
            NDArray ids = Nn.local(scope, in.inputIds());
            NDArray embeds = ids != null
                    ? Nn.embedding(ids, weight(base + "embeddings.word_embeddings.weight"))
                    : Nn.local(scope, checkEmbeds(in.inputsEmbeds()));
            long batch = embeds.getShape().get(0);
            long length = embeds.getShape().get(1);
            NDArray tokenTypes = in.tokenTypeIds() != null
                    ? Nn.local(scope, in.tokenTypeIds())
                    : scope.zeros(new Shape(1, length), DataType.INT64);
            NDArray positions = in.positionIds() != null
                    ? Nn.local(scope, in.positionIds())
                    : defaultPositions(scope, ids, past, length);
            NDArray hidden = embeds
                    .add(Nn.embedding(tokenTypes, weight(base + "embeddings.token_type_embeddings.weight")))
                    .add(Nn.embedding(positions, weight(base + "embeddings.position_embeddings.weight")));
            hidden = Nn.layerNorm(hidden, weight(base + "embeddings.LayerNorm.weight"),
                    weight(base + "embeddings.LayerNorm.bias"), config.layerNormEps());
            hidden = Nn.dropout(hidden, config.hiddenDropout(), in.training());
            hidden = Nn.adopt(in.hooks().afterEmbeddings(hidden), hidden);

            AttentionContext attention = new AttentionContext(scope, "BERT", numLayers(), config.isDecoder(),
                    batch, hidden.getShape().get(1), in.attentionMask(), in.prefixes(), cache);
            List<NDArray> hiddenStates = new ArrayList<>();
            hidden = runLayers(hidden, in, hiddenStates, (layer, x) -> layer(layer, x, attention, in));
            if (in.outputHiddenStates()) {
                hiddenStates.add(hidden);
            }
            NDArray pooled = null;
            if (hasPooler) {
                NDArray first = hidden.get(":, 0");
                pooled = Nn.linear(first, weight(base + "pooler.dense.weight"), weight(base + "pooler.dense.bias"))
                        .tanh();
            }
            NDArray logits = hasHead && in.computeLogits() ? mlmLogits(Nn.lastPositions(hidden, in.logitsToKeep()))
                    : null;
            attention.commit();
            return Outputs.of(caller, logits, hidden, hiddenStates, pooled, cache);
        }
    }

    /** One encoder layer: attention and feed-forward, each added to its input and then normalized. */
    private NDArray layer(int layer, NDArray x, AttentionContext attention, ForwardInput in) {
        String p = base + "encoder.layer." + layer + ".";
        NDArray q = Nn.splitHeads(linear(x, p + "attention.self.query"), numHeads());
        NDArray k = Nn.splitHeads(linear(x, p + "attention.self.key"), numHeads());
        NDArray v = Nn.splitHeads(linear(x, p + "attention.self.value"), numHeads());
        NDArray context = attention.attend(layer, q, k, v, Math.sqrt(headDim()), config.attentionDropout(),
                in.training());
        NDArray a = linear(Nn.mergeHeads(context), p + "attention.output.dense");
        a = Nn.dropout(a, config.hiddenDropout(), in.training());
        a = Nn.adopt(in.hooks().afterAttention(layer, a), a);
        x = Nn.layerNorm(a.add(x), weight(p + "attention.output.LayerNorm.weight"),
                weight(p + "attention.output.LayerNorm.bias"), config.layerNormEps());

        NDArray m = config.activation().apply(linear(x, p + "intermediate.dense"));
        m = Nn.dropout(linear(m, p + "output.dense"), config.hiddenDropout(), in.training());
        m = Nn.adopt(in.hooks().afterFeedForward(layer, m), m);
        return Nn.layerNorm(m.add(x), weight(p + "output.LayerNorm.weight"), weight(p + "output.LayerNorm.bias"),
                config.layerNormEps());
    }

    /** transform (dense, activation, LayerNorm), then the decoder tied to the word embeddings, plus a bias. */
    private NDArray mlmLogits(NDArray hidden) {
        HeadNames head = headNames(config);
        NDArray t = linear(hidden, head.transformDense);
        // BERT's transform uses hidden_act; RoBERTa's lm_head always uses exact gelu
        t = (config.robertaStyle() ? Activation.GELU : config.activation()).apply(t);
        t = Nn.layerNorm(t, weight(head.layerNorm + ".weight"), weight(head.layerNorm + ".bias"),
                config.layerNormEps());
        String decoder = config.tieWordEmbeddings() ? base + "embeddings.word_embeddings.weight"
                : head.decoder + ".weight";
        return Nn.linear(t, weight(decoder), weight(head.bias));
    }

    private NDArray linear(NDArray x, String module) {
        return Nn.linear(x, weight(module + ".weight"), weight(module + ".bias"));
    }

    private NDArray checkEmbeds(NDArray embeds) {
        if (embeds.getShape().get(2) != hiddenSize()) {
            throw new IllegalArgumentException("inputsEmbeds is " + embeds.getShape() + "; the hidden size is "
                    + hiddenSize());
        }
        return embeds;
    }

    /**
     * BERT: past, past+1, ...; RoBERTa (as transformers): from ids, padding_idx + 1 + past onwards for real tokens
     * and padding_idx for padding; from embeddings, padding_idx + 1 onwards.
     */
    private NDArray defaultPositions(NDManager scope, NDArray ids, long past, long length) {
        if (!config.robertaStyle()) {
            if (past + length > config.maxPositions()) {
                throw new IllegalArgumentException("positions " + past + ".." + (past + length - 1) + " exceed "
                        + config.maxPositions() + " (max_position_embeddings)");
            }
            return scope.arange((int) past, (int) (past + length)).reshape(1, length);
        }
        int pad = config.padTokenId();
        if (pad + past + length >= config.maxPositions()) {
            throw new IllegalArgumentException("RoBERTa positions reach " + (pad + past + length) + ", beyond "
                    + (config.maxPositions() - 1) + " (max_position_embeddings - 1)");
        }
        if (ids == null) {
            return scope.arange(pad + 1, (int) (pad + 1 + length)).reshape(1, length);
        }
        NDArray real = ids.neq(pad).toType(DataType.INT64, false);
        return real.cumSum(1).add(past).mul(real).add(pad);
    }

    @Override
    public String layerPrefix(int layer) {
        return base + "encoder.layer." + layer + ".";
    }

    @Override
    public Predicate<String> taskHead() {
        return config.robertaStyle() ? name -> name.startsWith("lm_head.") : name -> name.startsWith("cls.");
    }

    /** The pooler's tensors. */
    public Predicate<String> pooler() {
        return name -> name.startsWith(base + "pooler.");
    }

    @Override
    public Predicate<String> embeddings() {
        return name -> name.startsWith(base + "embeddings.");
    }

    @Override
    public String architecture() {
        String family = config.modelType().equals("xlm-roberta") ? "XLMRoberta"
                : config.robertaStyle() ? "Roberta" : "Bert";
        if (hasHead) {
            return family + (config.isDecoder() ? "ForCausalLM" : "ForMaskedLM");
        }
        return family + "Model";
    }

    @Override
    public boolean supportsCache() {
        return config.isDecoder();
    }
}
