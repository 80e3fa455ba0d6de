package org.softprompt.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * GPT-2 with its language-model head (transformers' GPT2LMHeadModel), computing what transformers computes.
 *
 * <p>Pre-LayerNorm decoder: h = x + attn(ln_1(x)); x = h + mlp(ln_2(h)); the output goes through ln_f and the LM
 * head, which is the token embedding matrix (tied). Weights keep Hugging Face's names, e.g.
 * {@code transformer.h.0.attn.c_attn.weight}; GPT-2's "Conv1D" stores weights as [in, out], the transpose of
 * nn.Linear. Checkpoints of the bare GPT2Model (names without "transformer.") load too.
 */
public final class Gpt2 extends Backbone {
    private static final String BASE = "transformer.";
    /** The causal-mask buffers that old checkpoints store; transformers skips them too. */
    private static final Pattern MASK_BUFFER = Pattern.compile("transformer\\.h\\.\\d+\\.attn\\.(masked_)?bias");

    private final Gpt2Config config;

    private Gpt2(Gpt2Config config, Weights weights, LoadReport report) {
        super(weights, report);
        this.config = config;
    }

    /** Loads a checkpoint folder (config.json + safetensors), failing on any mismatch. */
    public static Gpt2 load(Path dir, NDManager manager) {
        return load(dir, manager, LoadOptions.strict());
    }

    public static Gpt2 load(Path dir, NDManager manager, LoadOptions options) {
        return load(dir, Gpt2Config.read(dir), manager, options);
    }

    /** Loads the tensors of {@code dir} into a model shaped by {@code config} (instead of dir's config.json). */
    public static Gpt2 load(Path dir, Gpt2Config config, NDManager manager, LoadOptions options) {
        ModelSpec.Loaded loaded = spec(config).load(Checkpoint.open(dir), options, manager);
        return new Gpt2(config, loaded.weights(), loaded.report());
    }

    /** A model with Hugging Face's random initialization, reproducible from {@code seed}. */
    public static Gpt2 random(Gpt2Config config, NDManager manager, long seed) {
        return new Gpt2(config, spec(config).initialize(manager, seed), LoadReport.none());
    }

    /** A model over existing weights (taking ownership), which must have exactly the expected names and shapes. */
    public static Gpt2 of(Gpt2Config config, Weights weights) {
        spec(config).check(weights, "the given weights");
        return new Gpt2(config, weights, LoadReport.none());
    }

    /** The expected tensors in Hugging Face's order, with GPT2PreTrainedModel._init_weights' initialization. */
    static ModelSpec spec(Gpt2Config c) {
        int d = c.hiddenSize();
        int inner = c.intermediateSize();
        Map<String, Shape> shapes = new LinkedHashMap<>();
        shapes.put("transformer.wte.weight", new Shape(c.vocabSize(), d));
        shapes.put("transformer.wpe.weight", new Shape(c.maxPositions(), d));
        for (int i = 0; i < c.numLayers(); i++) {
            String p = BASE + "h." + i + ".";
            shapes.put(p + "ln_1.weight", new Shape(d));
            shapes.put(p + "ln_1.bias", new Shape(d));
            shapes.put(p + "attn.c_attn.weight", new Shape(d, 3L * d));
            shapes.put(p + "attn.c_attn.bias", new Shape(3L * d));
            shapes.put(p + "attn.c_proj.weight", new Shape(d, d));
            shapes.put(p + "attn.c_proj.bias", new Shape(d));
            shapes.put(p + "ln_2.weight", new Shape(d));
            shapes.put(p + "ln_2.bias", new Shape(d));
            shapes.put(p + "mlp.c_fc.weight", new Shape(d, inner));
            shapes.put(p + "mlp.c_fc.bias", new Shape(inner));
            shapes.put(p + "mlp.c_proj.weight", new Shape(inner, d));
            shapes.put(p + "mlp.c_proj.bias", new Shape(d));
        }
        shapes.put("transformer.ln_f.weight", new Shape(d));
        shapes.put("transformer.ln_f.bias", new Shape(d));
        if (!c.tieWordEmbeddings()) {
            shapes.put("lm_head.weight", new Shape(c.vocabSize(), d));
        }
        double range = c.initializerRange();
        Function<String, Init> init = name -> {
            if (name.contains(".ln_")) {
                return name.endsWith(".weight") ? Init.ones() : Init.zeros();
            }
            if (name.endsWith(".bias")) {
                return Init.zeros();
            }
            if (name.endsWith("c_proj.weight")) {
                // GPT-2 paper: residual projections scaled by 1/sqrt(number of residual layers)
                return Init.normal(range / Math.sqrt(2.0 * c.numLayers()));
            }
            return Init.normal(range);
        };
        Predicate<String> ignorable = name -> MASK_BUFFER.matcher(name).matches()
                || (c.tieWordEmbeddings() && name.equals("lm_head.weight"));
        return new ModelSpec("GPT-2", shapes, init, ignorable, BASE);
    }

    @Override
    public Gpt2Config config() {
        return config;
    }

    @Override
    public ForwardOutput forward(ForwardInput in) {
        if (in.pixelValues() != null) {
            throw new IllegalArgumentException("GPT-2 takes inputIds or inputsEmbeds, not pixelValues");
        }
        Backbone.requireNoEncoderDecoderInputs(in, "GPT-2");
        NDManager caller = in.manager();
        try (NDManager scope = caller.newSubManager()) {
            KvCache cache = in.cache();
            long past = cache == null ? 0 : cache.length();
            NDArray hidden = in.inputIds() != null
                    ? Nn.embedding(Nn.local(scope, in.inputIds()), weight("transformer.wte.weight"))
                    : Nn.local(scope, checkEmbeds(in.inputsEmbeds()));
            long length = hidden.getShape().get(1);
            NDArray positions = in.positionIds() != null
                    ? Nn.local(scope, in.positionIds())
                    : defaultPositions(scope, past, length);
            hidden = hidden.add(Nn.embedding(positions, weight("transformer.wpe.weight")));
            if (in.tokenTypeIds() != null) {
                // transformers embeds GPT-2's token types with the token embedding matrix
                hidden = hidden.add(Nn.embedding(Nn.local(scope, in.tokenTypeIds()), weight("transformer.wte.weight")));
            }
            hidden = Nn.dropout(hidden, config.embdDropout(), in.training());
            hidden = Nn.adopt(in.hooks().afterEmbeddings(hidden), hidden);

            AttentionContext attention = new AttentionContext(scope, "GPT-2", numLayers(), true,
                    hidden.getShape().get(0), hidden.getShape().get(1), in.attentionMask(), in.prefixes(), cache);
            List<NDArray> hiddenStates = new ArrayList<>();
            hidden = runLayers(hidden, in, hiddenStates, (layer, x) -> block(layer, x, attention, in));
            hidden = Nn.layerNorm(hidden, weight("transformer.ln_f.weight"), weight("transformer.ln_f.bias"),
                    config.layerNormEps());
            if (in.outputHiddenStates()) {
                hiddenStates.add(hidden);
            }
            NDArray logits = null;
            if (in.computeLogits()) {
                String head = config.tieWordEmbeddings() ? "transformer.wte.weight" : "lm_head.weight";
                logits = Nn.linear(Nn.lastPositions(hidden, in.logitsToKeep()), weight(head), null);
            }
            attention.commit();
            return Outputs.of(caller, logits, hidden, hiddenStates, null, cache);
        }
    }

    /** One decoder block: pre-LayerNorm attention and MLP, each added to the residual stream. */
    private NDArray block(int layer, NDArray x, AttentionContext attention, ForwardInput in) {
        String p = BASE + "h." + layer + ".";
        NDArray h = Nn.layerNorm(x, weight(p + "ln_1.weight"), weight(p + "ln_1.bias"), config.layerNormEps());
        NDList qkv = Nn.conv1d(h, weight(p + "attn.c_attn.weight"), weight(p + "attn.c_attn.bias")).split(3, 2);
        NDArray q = Nn.splitHeads(qkv.get(0), numHeads());
        NDArray k = Nn.splitHeads(qkv.get(1), numHeads());
        NDArray v = Nn.splitHeads(qkv.get(2), numHeads());
        double divisor = (config.scaleAttnWeights() ? Math.sqrt(headDim()) : 1)
                * (config.scaleAttnByInverseLayerIdx() ? layer + 1 : 1);
        NDArray a = attention.attend(layer, q, k, v, divisor, config.attnDropout(), in.training());
        a = Nn.conv1d(Nn.mergeHeads(a), weight(p + "attn.c_proj.weight"), weight(p + "attn.c_proj.bias"));
        a = Nn.dropout(a, config.residDropout(), in.training());
        a = Nn.adopt(in.hooks().afterAttention(layer, a), a);
        x = x.add(a);

        h = Nn.layerNorm(x, weight(p + "ln_2.weight"), weight(p + "ln_2.bias"), config.layerNormEps());
        NDArray m = Nn.conv1d(h, weight(p + "mlp.c_fc.weight"), weight(p + "mlp.c_fc.bias"));
        m = config.activation().apply(m);
        m = Nn.conv1d(m, weight(p + "mlp.c_proj.weight"), weight(p + "mlp.c_proj.bias"));
        m = Nn.dropout(m, config.residDropout(), in.training());
        m = Nn.adopt(in.hooks().afterFeedForward(layer, m), m);
        return x.add(m);
    }

    private NDArray checkEmbeds(NDArray embeds) {
        if (embeds.getShape().get(2) != hiddenSize()) {
            throw new IllegalArgumentException("inputsEmbeds is " + embeds.getShape() + "; GPT-2's hidden size is "
                    + hiddenSize());
        }
        return embeds;
    }

    private NDArray defaultPositions(NDManager scope, long past, long length) {
        if (past + length > config.maxPositions()) {
            throw new IllegalArgumentException("positions " + past + ".." + (past + length - 1) + " exceed GPT-2's "
                    + config.maxPositions() + " (n_positions)");
        }
        return scope.arange((int) past, (int) (past + length)).reshape(1, length);
    }

    @Override
    public String layerPrefix(int layer) {
        return BASE + "h." + layer + ".";
    }

    @Override
    public Predicate<String> taskHead() {
        return name -> name.startsWith("lm_head.");
    }

    @Override
    public Predicate<String> embeddings() {
        return name -> name.startsWith(BASE + "wte.") || name.startsWith(BASE + "wpe.");
    }

    @Override
    public String architecture() {
        return "GPT2LMHeadModel";
    }

    @Override
    public boolean supportsCache() {
        return true;
    }
}
