package org.softprompt.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The Vision Transformer (transformers' ViTModel with optional pooler, and ViTForImageClassification's classifier),
 * computing what transformers computes.
 *
 * <p>Images [B, C, H, W] are cut into p x p patches by a strided convolution, [CLS] is prepended and position
 * embeddings added; pre-LayerNorm encoder layers follow (x = x + attn(LN(x)); x = x + mlp(LN(x))), then a final
 * LayerNorm and the classifier on [CLS]. Visual Prompt Tuning inserts its prompts through
 * {@link Hooks#afterEmbeddings} (after [CLS], before the patches, after position embeddings) and, for VPT-deep,
 * replaces them in {@link Hooks#beforeLayer}.
 */
public final class Vit extends Backbone {
    private static final String BASE = "vit.";

    private final VitConfig config;
    private final boolean hasPooler;
    private final boolean hasClassifier;

    private Vit(VitConfig config, Weights weights, LoadReport report) {
        super(weights, report);
        this.config = config;
        this.hasPooler = weights.contains(BASE + "pooler.dense.weight");
        this.hasClassifier = weights.contains("classifier.weight");
    }

    /** Loads a checkpoint folder (config.json + safetensors), failing on any mismatch. */
    public static Vit load(Path dir, NDManager manager) {
        return load(dir, manager, LoadOptions.strict());
    }

    public static Vit load(Path dir, NDManager manager, LoadOptions options) {
        return load(dir, VitConfig.read(dir), manager, options);
    }

    /**
     * Loads the tensors of {@code dir} into a model shaped by {@code config}. To replace the classifier by one with
     * another number of labels: {@code load(dir, VitConfig.read(dir).withNumLabels(n), manager,
     * LoadOptions.lenient().withTaskHead(true))}; the report then lists the re-initialized classifier tensors.
     */
    public static Vit load(Path dir, VitConfig config, NDManager manager, LoadOptions options) {
        Checkpoint checkpoint = Checkpoint.open(dir);
        ModelSpec all = spec(config, true, true);
        boolean pooler = options.pooler() != null ? options.pooler()
                : checkpoint.shapes().keySet().stream().map(all::canonical)
                        .anyMatch(name -> name.startsWith(BASE + "pooler."));
        boolean classifier = options.taskHead() != null ? options.taskHead()
                : checkpoint.shapes().keySet().stream().anyMatch(name -> name.startsWith("classifier."));
        ModelSpec.Loaded loaded = spec(config, pooler, classifier).load(checkpoint, options, manager);
        return new Vit(config, loaded.weights(), loaded.report());
    }

    /** A ViTForImageClassification with Hugging Face's random initialization (no pooler). */
    public static Vit random(VitConfig config, NDManager manager, long seed) {
        return random(config, manager, seed, false, true);
    }

    public static Vit random(VitConfig config, NDManager manager, long seed, boolean pooler, boolean classifier) {
        return new Vit(config, spec(config, pooler, classifier).initialize(manager, seed), LoadReport.none());
    }

    /** A model over existing weights (taking ownership); pooler and classifier are present if their tensors are. */
    public static Vit of(VitConfig config, Weights weights) {
        spec(config, weights.contains(BASE + "pooler.dense.weight"), weights.contains("classifier.weight"))
                .check(weights, "the given weights");
        return new Vit(config, weights, LoadReport.none());
    }

    /** The expected tensors in Hugging Face's order, with ViTPreTrainedModel._init_weights' initialization. */
    static ModelSpec spec(VitConfig c, boolean pooler, boolean classifier) {
        int d = c.hiddenSize();
        int inner = c.intermediateSize();
        Map<String, Shape> shapes = new LinkedHashMap<>();
        shapes.put(BASE + "embeddings.cls_token", new Shape(1, 1, d));
        shapes.put(BASE + "embeddings.position_embeddings", new Shape(1, c.numPatches() + 1, d));
        shapes.put(BASE + "embeddings.patch_embeddings.projection.weight",
                new Shape(d, c.numChannels(), c.patchSize(), c.patchSize()));
        shapes.put(BASE + "embeddings.patch_embeddings.projection.bias", new Shape(d));
        for (int i = 0; i < c.numLayers(); i++) {
            String p = BASE + "encoder.layer." + i + ".";
            for (String projection : new String[] {"query", "key", "value"}) {
                shapes.put(p + "attention.attention." + projection + ".weight", new Shape(d, d));
                if (c.qkvBias()) {
                    shapes.put(p + "attention.attention." + projection + ".bias", new Shape(d));
                }
            }
            shapes.put(p + "attention.output.dense.weight", new Shape(d, d));
            shapes.put(p + "attention.output.dense.bias", new Shape(d));
            shapes.put(p + "intermediate.dense.weight", new Shape(inner, d));
            shapes.put(p + "intermediate.dense.bias", new Shape(inner));
            shapes.put(p + "output.dense.weight", new Shape(d, inner));
            shapes.put(p + "output.dense.bias", new Shape(d));
            shapes.put(p + "layernorm_before.weight", new Shape(d));
            shapes.put(p + "layernorm_before.bias", new Shape(d));
            shapes.put(p + "layernorm_after.weight", new Shape(d));
            shapes.put(p + "layernorm_after.bias", new Shape(d));
        }
        shapes.put(BASE + "layernorm.weight", new Shape(d));
        shapes.put(BASE + "layernorm.bias", new Shape(d));
        if (pooler) {
            shapes.put(BASE + "pooler.dense.weight", new Shape(d, d));
            shapes.put(BASE + "pooler.dense.bias", new Shape(d));
        }
        if (classifier) {
            shapes.put("classifier.weight", new Shape(c.numLabels(), d));
            shapes.put("classifier.bias", new Shape(c.numLabels()));
        }
        Function<String, Init> init = name -> {
            if (name.contains("layernorm")) {
                return name.endsWith(".weight") ? Init.ones() : Init.zeros();
            }
            if (name.endsWith(".bias")) {
                return Init.zeros();
            }
            return Init.truncatedNormal(c.initializerRange());
        };
        // ViTForMaskedImageModeling's mask token is not used by these models
        Predicate<String> ignorable = name -> name.equals(BASE + "embeddings.mask_token");
        return new ModelSpec("ViT", shapes, init, ignorable, BASE);
    }

    @Override
    public VitConfig config() {
        return config;
    }

    public boolean hasPooler() {
        return hasPooler;
    }

    public boolean hasClassifier() {
        return hasClassifier;
    }

    @Override
    public ForwardOutput forward(ForwardInput in) {
        if (in.pixelValues() == null) {
            throw new IllegalArgumentException("ViT takes pixelValues [batch, channels, height, width]");
        }
        Backbone.requireNoEncoderDecoderInputs(in, "ViT");
        if (in.cache() != null || in.attentionMask() != null || in.tokenTypeIds() != null
                || in.positionIds() != null) {
            throw new IllegalArgumentException("ViT takes no KV cache, attention mask, token types or position ids");
        }
        NDManager caller = in.manager();
        try (NDManager scope = caller.newSubManager()) {
            NDArray hidden = embed(scope, Nn.local(scope, checkPixels(in.pixelValues())));
            hidden = Nn.dropout(hidden, config.hiddenDropout(), in.training());
            hidden = Nn.adopt(in.hooks().afterEmbeddings(hidden), hidden);

            AttentionContext attention = new AttentionContext(scope, "ViT", numLayers(), false,
                    hidden.getShape().get(0), hidden.getShape().get(1), null, in.prefixes(), null);
            List<NDArray> hiddenStates = new ArrayList<>();
            hidden = runLayers(hidden, in, hiddenStates, (layer, x) -> layer(layer, x, attention, in));
            if (in.outputHiddenStates()) {
                hiddenStates.add(hidden);
            }
            NDArray sequence = Nn.layerNorm(hidden, weight(BASE + "layernorm.weight"), weight(BASE + "layernorm.bias"),
                    config.layerNormEps());
            NDArray cls = sequence.get(":, 0");
            NDArray pooled = hasPooler
                    ? Nn.linear(cls, weight(BASE + "pooler.dense.weight"), weight(BASE + "pooler.dense.bias")).tanh()
                    : null;
            NDArray logits = hasClassifier && in.computeLogits()
                    ? Nn.linear(cls, weight("classifier.weight"), weight("classifier.bias"))
                    : null;
            return Outputs.of(caller, logits, sequence, hiddenStates, pooled, null);
        }
    }

    /** [CLS] followed by the patch embeddings (a stride-p convolution), plus position embeddings: [B, 1 + N, d]. */
    private NDArray embed(NDManager scope, NDArray pixels) {
        long batch = pixels.getShape().get(0);
        Shape patch = new Shape(config.patchSize(), config.patchSize());
        NDArray patches = pixels.getNDArrayInternal().convolution(pixels,
                weight(BASE + "embeddings.patch_embeddings.projection.weight"),
                weight(BASE + "embeddings.patch_embeddings.projection.bias"),
                patch, new Shape(0, 0), new Shape(1, 1), 1).singletonOrThrow();
        patches = patches.flatten(2, 3).transpose(0, 2, 1);
        NDArray cls = Nn.local(scope, weight(BASE + "embeddings.cls_token")).broadcast(batch, 1, hiddenSize());
        return cls.concat(patches, 1).add(weight(BASE + "embeddings.position_embeddings"));
    }

    /** One pre-LayerNorm encoder layer. */
    private NDArray layer(int layer, NDArray x, AttentionContext attention, ForwardInput in) {
        String p = BASE + "encoder.layer." + layer + ".";
        NDArray h = Nn.layerNorm(x, weight(p + "layernorm_before.weight"), weight(p + "layernorm_before.bias"),
                config.layerNormEps());
        NDArray q = Nn.splitHeads(projection(h, p + "attention.attention.query"), numHeads());
        NDArray k = Nn.splitHeads(projection(h, p + "attention.attention.key"), numHeads());
        NDArray v = Nn.splitHeads(projection(h, p + "attention.attention.value"), numHeads());
        NDArray context = attention.attend(layer, q, k, v, Math.sqrt(headDim()), config.attentionDropout(),
                in.training());
        NDArray a = Nn.linear(Nn.mergeHeads(context), weight(p + "attention.output.dense.weight"),
                weight(p + "attention.output.dense.bias"));
        a = Nn.dropout(a, config.hiddenDropout(), in.training());
        a = Nn.adopt(in.hooks().afterAttention(layer, a), a);
        x = a.add(x);

        h = Nn.layerNorm(x, weight(p + "layernorm_after.weight"), weight(p + "layernorm_after.bias"),
                config.layerNormEps());
        NDArray m = config.activation().apply(Nn.linear(h, weight(p + "intermediate.dense.weight"),
                weight(p + "intermediate.dense.bias")));
        m = Nn.linear(m, weight(p + "output.dense.weight"), weight(p + "output.dense.bias"));
        m = Nn.dropout(m, config.hiddenDropout(), in.training());
        m = Nn.adopt(in.hooks().afterFeedForward(layer, m), m);
        return m.add(x);
    }

    private NDArray projection(NDArray x, String module) {
        NDArray bias = config.qkvBias() ? weight(module + ".bias") : null;
        return Nn.linear(x, weight(module + ".weight"), bias);
    }

    private NDArray checkPixels(NDArray pixels) {
        Shape s = pixels.getShape();
        if (s.get(1) != config.numChannels() || s.get(2) != config.imageSize() || s.get(3) != config.imageSize()) {
            throw new IllegalArgumentException("pixelValues is " + s + "; this ViT takes [batch, "
                    + config.numChannels() + ", " + config.imageSize() + ", " + config.imageSize() + "]");
        }
        return pixels;
    }

    @Override
    public String layerPrefix(int layer) {
        return BASE + "encoder.layer." + layer + ".";
    }

    @Override
    public Predicate<String> taskHead() {
        return name -> name.startsWith("classifier.");
    }

    /** The pooler's tensors. */
    public Predicate<String> pooler() {
        return name -> name.startsWith(BASE + "pooler.");
    }

    @Override
    public Predicate<String> embeddings() {
        return name -> name.startsWith(BASE + "embeddings.");
    }

    @Override
    public String architecture() {
        return hasClassifier ? "ViTForImageClassification" : "ViTModel";
    }

    @Override
    public boolean supportsCache() {
        return false;
    }
}
