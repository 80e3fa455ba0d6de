package org.softprompt.method.deep;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import org.softprompt.backbone.Backbone;
import org.softprompt.backbone.ForwardInput;
import org.softprompt.backbone.LayerPrefixes;
import org.softprompt.backbone.Prefix;
import org.softprompt.method.Reparam;
import org.softprompt.method.TunedModel;

/**
 * P-tuning v2 (Liu et al., 2022): trainable prompts in every layer (or chosen layers) of a frozen transformer,
 * entering each layer's self-attention as extra keys and values through {@link LayerPrefixes}.
 *
 * <pre>{@code
 * DeepPrompt prompt = DeepPrompt.on(bert).length(16).layers(Layers.last(6)).reparam(Reparam.none())
 *         .dropout(0.1).build(manager);
 * ForwardOutput out = prompt.forward(ForwardInput.ofIds(ids).withAttentionMask(mask).withTraining(true));
 * }</pre>
 *
 * <p>As P-tuning v2's code: one table (or {@link Reparam#mlp MLP}) produces, for each of the P prompt positions,
 * a vector of 2 x layers x hidden, read as [layers x {key, value}, heads, headDim]; layer {@code i}'s key is slot
 * 2i and its value slot 2i+1. Dropout (P-tuning v2 uses the model's hidden_dropout_prob) is applied to those vectors
 * when the input is in training mode, with its own mask for every example as in P-tuning v2; otherwise the prompts
 * are a batch of 1 that the attention broadcasts over the input's batch. Every query attends to every
 * prompt position: the prefix mask is left null, which {@link Prefix} defines as all ones, just as P-tuning v2
 * prepends ones to the attention mask. Prompts do not shift position ids.
 *
 * <p>Trained tensors (P-tuning v2's names): {@code prefix_encoder.embedding.weight}, and with the MLP
 * {@code prefix_encoder.trans.0.weight/bias} and {@code prefix_encoder.trans.2.weight/bias}. They are initialized
 * as transformers' from_pretrained initializes the modules a checkpoint lacks: N(0, initializer_range) weights and
 * zero biases. For multi-task learning, train one prompt over several tasks (with a head per task), then start
 * each task's prompt from it with {@link #from(DeepPrompt)}.
 */
public final class DeepPrompt implements TunedModel {
    /** P-tuning v2's PrefixEncoder names: {@code prefix_encoder.embedding.weight}, {@code prefix_encoder.trans.*}. */
    static final Reparam.Names NAMES = Reparam.Names.of("prefix_encoder.", "trans");
    public static final String EMBEDDING = NAMES.embedding();
    public static final String MLP_IN_WEIGHT = NAMES.inWeight();
    public static final String MLP_IN_BIAS = NAMES.inBias();
    public static final String MLP_OUT_WEIGHT = NAMES.outWeight();
    public static final String MLP_OUT_BIAS = NAMES.outBias();

    private final Backbone backbone;
    private final int length;
    private final Layers layerChoice;
    private final int[] layers;
    private final Reparam reparam;
    private final double dropout;
    private final NDManager manager;
    private final Map<String, NDArray> parameters;

    private DeepPrompt(Builder b, NDManager parent) {
        this.backbone = b.backbone;
        this.length = b.length;
        this.layerChoice = b.layers;
        this.layers = b.layers.resolve(backbone.numLayers());
        this.reparam = b.reparam;
        this.dropout = b.dropout;
        this.manager = parent.newSubManager();
        Map<String, Shape> shapes = shapes();
        Map<String, NDArray> created = new LinkedHashMap<>();
        double std = backbone.config().initializerRange();
        for (Map.Entry<String, Shape> entry : shapes.entrySet()) {
            String name = entry.getKey();
            Shape shape = entry.getValue();
            NDArray start = b.initial == null ? null : b.initial.get(name);
            if (start != null) {
                if (!start.getShape().equals(shape)) {
                    throw new IllegalArgumentException("the source prompt's '" + name + "' is " + start.getShape()
                            + "; this prompt needs " + shape);
                }
                created.put(name, Tensors.copyOf(manager, name, start));
            } else if (name.endsWith(".bias")) {
                created.put(name, Tensors.parameter(manager, name, new float[(int) shape.size()], shape));
            } else {
                created.put(name, Tensors.random(manager, name, shape, std, false, b.seed));
            }
        }
        this.parameters = Collections.unmodifiableMap(created);
    }

    /** Starts configuring deep prompts for a frozen backbone. */
    public static Builder on(Backbone backbone) {
        return new Builder(Objects.requireNonNull(backbone, "backbone"));
    }

    /**
     * A builder preset with {@code trained}'s backbone, length, layers, reparameterization and dropout whose
     * {@link Builder#build} copies {@code trained}'s current values: the start of a per-task prompt after
     * multi-task training. The copy is independent (training it leaves {@code trained} unchanged).
     */
    public static Builder from(DeepPrompt trained) {
        Builder builder = on(trained.backbone).length(trained.length).layers(trained.layerChoice)
                .reparam(trained.reparam).dropout(trained.dropout);
        builder.initial = trained.parameters;
        return builder;
    }

    /** Builder of {@link DeepPrompt}; defaults: length 16, all layers, no reparameterization, dropout 0.1. */
    public static final class Builder {
        private final Backbone backbone;
        private int length = 16;
        private Layers layers = Layers.all();
        private Reparam reparam = Reparam.none();
        private double dropout = 0.1;
        private long seed = 42;
        private Map<String, NDArray> initial;

        private Builder(Backbone backbone) {
            this.backbone = backbone;
        }

        /** The number of prompt positions P per layer (0 gives a prompt that changes nothing). */
        public Builder length(int promptLength) {
            if (promptLength < 0) {
                throw new IllegalArgumentException("the prompt length must be >= 0, got " + promptLength);
            }
            this.length = promptLength;
            return this;
        }

        public Builder layers(Layers chosen) {
            this.layers = Objects.requireNonNull(chosen, "layers");
            return this;
        }

        public Builder reparam(Reparam how) {
            this.reparam = Objects.requireNonNull(how, "reparam");
            return this;
        }

        /** Dropout on the prompt vectors in training (P-tuning v2: the model's hidden_dropout_prob, 0.1). */
        public Builder dropout(double p) {
            if (!(p >= 0 && p < 1)) {
                throw new IllegalArgumentException("dropout must be in [0, 1), got " + p);
            }
            this.dropout = p;
            return this;
        }

        /** Seed of the initial values (ignored for tensors copied by {@link #from}). */
        public Builder seed(long initSeed) {
            this.seed = initSeed;
            return this;
        }

        /** Creates the trainable tensors in a sub-manager of {@code manager}, freed by {@link DeepPrompt#close}. */
        public DeepPrompt build(NDManager manager) {
            return new DeepPrompt(this, manager);
        }
    }

    private Map<String, Shape> shapes() {
        return reparam.shapes(NAMES, length, backbone.hiddenSize(), 2L * layers.length * backbone.hiddenSize());
    }

    @Override
    public Backbone backbone() {
        return backbone;
    }

    @Override
    public Map<String, NDArray> trainable() {
        return parameters;
    }

    /** The number of prompt positions per layer. */
    public int length() {
        return length;
    }

    /** The 0-based layers that receive prompts, ascending. */
    public int[] layers() {
        return layers.clone();
    }

    public Reparam reparam() {
        return reparam;
    }

    public double dropout() {
        return dropout;
    }

    @Override
    public JsonObject config() {
        JsonObject json = new JsonObject();
        json.addProperty("method", "p-tuning-v2");
        json.addProperty("length", length);
        json.addProperty("layer_choice", layerChoice.toString());
        JsonArray chosen = new JsonArray();
        Arrays.stream(layers).forEach(chosen::add);
        json.add("layers", chosen);
        json.add("reparam", reparamJson(reparam));
        json.addProperty("dropout", dropout);
        json.addProperty("backbone", backbone.architecture());
        return json;
    }

    /**
     * The flat prompt vectors [P, chosen layers x 2 x hidden] (the MLP's output, or the table), without dropout,
     * computed in {@code scope}. After training with the MLP this is what can be kept for inference.
     */
    public NDArray promptVectors(NDManager scope) {
        return reparam.table(scope, parameters, NAMES);
    }

    /**
     * The per-layer prefixes without dropout: [1, heads, P, headDim] key and value in each chosen layer, null
     * elsewhere; arrays live in {@code scope}.
     */
    public LayerPrefixes layerPrefixes(NDManager scope) {
        return layerPrefixes(scope, 1, false);
    }

    /**
     * The per-layer prefixes: key and value in each chosen layer, null elsewhere; arrays live in {@code scope}.
     *
     * @param batch with dropout in training, one independently dropped copy per example ([batch, heads, P,
     *     headDim]); otherwise ignored and the prefixes are a batch of 1
     * @param training apply the prompt dropout
     */
    public LayerPrefixes layerPrefixes(NDManager scope, long batch, boolean training) {
        int heads = backbone.numHeads();
        int headDim = backbone.headDim();
        NDArray vectors = promptVectors(scope);
        long copies = 1;
        if (training && dropout > 0) {
            copies = batch;
            vectors = Tensors.dropout(vectors.expandDims(0).broadcast(new Shape(batch, vectors.getShape().get(0),
                    vectors.getShape().get(1))), dropout, true);
        }
        // [copies, P, 2S, heads, headDim] -> [2S, copies, heads, P, headDim]: slot 2j is chosen layer j's key,
        // 2j+1 its value (P-tuning v2's permute([2, 0, 3, 1, 4]).split(2))
        NDArray slots = vectors.reshape(copies, length, 2L * layers.length, heads, headDim).transpose(2, 0, 3, 1, 4);
        Prefix[] perLayer = new Prefix[backbone.numLayers()];
        for (int j = 0; j < layers.length; j++) {
            perLayer[layers[j]] = Prefix.of(slots.get(2 * j), slots.get(2 * j + 1));
        }
        return LayerPrefixes.of(perLayer);
    }

    /** Adds the prompts as the input's per-layer prefixes (computed in the input's manager). */
    @Override
    public ForwardInput enter(ForwardInput input) {
        if (input.prefixes() != null) {
            throw new IllegalArgumentException("the input already carries per-layer prefixes; deep prompts would "
                    + "replace them");
        }
        return input.withPrefixes(layerPrefixes(input.manager(), input.batchSize(), input.training()));
    }

    private static JsonObject reparamJson(Reparam reparam) {
        JsonObject json = new JsonObject();
        json.addProperty("type", reparam.isMlp() ? "mlp" : "none");
        if (reparam.isMlp()) {
            json.addProperty("hidden_size", reparam.hiddenSize());
        }
        return json;
    }

    @Override
    public void close() {
        manager.close();
    }

    @Override
    public String toString() {
        return "DeepPrompt[length " + length + ", layers " + layerChoice + ", reparam " + reparam + ", "
                + trainedParameterCount() + " trained parameters]";
    }
}
