package org.softprompt.method.prefix;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

import org.softprompt.backbone.Backbone;
import org.softprompt.backbone.ForwardInput;
import org.softprompt.backbone.Gpt2Config;
import org.softprompt.backbone.KvCache;
import org.softprompt.backbone.LayerPrefixes;
import org.softprompt.backbone.Safetensors;
import org.softprompt.method.Reparam;
import org.softprompt.method.TunedModel;
import org.softprompt.method.peft.PeftAdapter;
import org.softprompt.train.AdamW;
import org.softprompt.train.LearningRateSchedule;
import org.softprompt.train.ParameterGroup;

/**
 * Prefix-Tuning (Li &amp; Liang 2021): P trainable key/value positions in front of every attention layer of a frozen
 * model, computed exactly as PEFT's PrefixEncoder and get_prompt compute them.
 *
 * <p>The prefix is a table [P, 2*L*d] (the MLP's output with {@link Reparam#mlp}, the parameter itself with {@link
 * Reparam#none}). Column block 2l holds layer l's keys and block 2l+1 its values, each d = heads * headDim wide,
 * heads major: PEFT views the table as [P, 2L, heads, headDim] and permutes it to [2L, heads, P, headDim]. Trained
 * tensors carry PEFT's PrefixEncoder names ({@code embedding.weight}, {@code transform.0.weight},
 * {@code transform.0.bias}, {@code transform.2.weight}, {@code transform.2.bias}), so PEFT's encoder loads as is.
 *
 * <p>Positions: PEFT and Li &amp; Liang hand the prefix to GPT-2 as past key/values, so the text's positions start at
 * P. That is the default for causal backbones ({@link #positionOffset()} = P); P-tuning v2 style encoders keep their
 * positions. Create with {@link Prefix#on}.
 */
public final class PrefixTuning implements TunedModel {
    /** PEFT's PrefixEncoder names: {@code embedding.weight}, {@code transform.0/2.weight/bias}. */
    static final Reparam.Names NAMES = Reparam.Names.of("", "transform");

    private final Backbone backbone;
    private final NDManager parent;
    private final NDManager manager;
    private final int length;
    private final Reparam reparam;
    private final boolean positionsAfterPrefix;
    private final JsonObject initialization;
    private final Map<String, NDArray> parameters;

    PrefixTuning(Backbone backbone, NDManager parent, int length, Reparam reparam, boolean positionsAfterPrefix,
            JsonObject initialization, long seed) {
        if (positionsAfterPrefix) {
            PeftAdapter.requireRoomForText(backbone, length, "a prefix of " + length + " positions (counted as past "
                    + "tokens)");
        }
        this.backbone = backbone;
        this.parent = parent;
        this.manager = parent.newSubManager();
        this.length = length;
        this.reparam = reparam;
        this.positionsAfterPrefix = positionsAfterPrefix;
        this.initialization = initialization;
        this.parameters = Collections.unmodifiableMap(initialParameters(new Random(seed)));
        parameters.values().forEach(p -> p.setRequiresGradient(true));
    }

    private Map<String, NDArray> initialParameters(Random random) {
        if (length == 0) {
            return new LinkedHashMap<>();
        }
        return peftInit(reparam, manager, length, backbone.hiddenSize(), tableWidth(), random);
    }

    /**
     * PEFT's PrefixEncoder initialization, tensors in torch's order drawn from {@code random}: Embedding ~ N(0, 1),
     * Linear weight and bias ~ U(+-1/sqrt(in)).
     */
    static Map<String, NDArray> peftInit(Reparam reparam, NDManager manager, int length, int tokenDim, long width,
            Random random) {
        Map<String, NDArray> p = new LinkedHashMap<>();
        Map<String, Shape> shapes = reparam.shapes(NAMES, length, tokenDim, width);
        shapes.forEach((name, shape) -> {
            if (name.equals(NAMES.embedding())) {
                p.put(name, TorchLayers.normal(manager, shape, 1, random));
            } else {
                long in = shapes.get(name.replace(".bias", ".weight")).get(1);
                p.put(name, TorchLayers.uniform(manager, shape, 1 / Math.sqrt(in), random));
            }
        });
        return p;
    }

    /** 2 * L * d: the width of the prefix table. */
    public int tableWidth() {
        return 2 * backbone.numLayers() * backbone.hiddenSize();
    }

    public int length() {
        return length;
    }

    public Reparam reparam() {
        return reparam;
    }

    /** How far the text's position ids are shifted: P when the prefix counts as past tokens, else 0. */
    public long positionOffset() {
        return positionsAfterPrefix ? length : 0;
    }

    @Override
    public Backbone backbone() {
        return backbone;
    }

    @Override
    public Map<String, NDArray> trainable() {
        return parameters;
    }

    @Override
    public JsonObject config() {
        JsonObject json = new JsonObject();
        json.addProperty("method", "prefix-tuning");
        json.addProperty("paper", "Li & Liang 2021, Prefix-Tuning: Optimizing Continuous Prompts for Generation");
        json.addProperty("length", length);
        json.addProperty("reparam", reparam.isMlp() ? "mlp" : "none");
        if (reparam.isMlp()) {
            json.addProperty("encoder_hidden_size", reparam.hiddenSize());
        }
        json.addProperty("num_layers", backbone.numLayers());
        json.addProperty("token_dim", backbone.hiddenSize());
        json.addProperty("num_attention_heads", backbone.numHeads());
        json.addProperty("positions_after_prefix", positionsAfterPrefix);
        json.addProperty("backbone", backbone.architecture());
        json.add("init", initialization.deepCopy());
        return json;
    }

    /**
     * The prefix table [P, 2Ld] computed in {@code scope} (through the MLP when there is one); gradients reach the
     * parameters when a gradient collector is open.
     */
    public NDArray table(NDManager scope) {
        requireNonEmpty();
        return reparam.table(scope, parameters, NAMES);
    }

    /** The per-layer prefixes (batch 1, shared by every row) computed in {@code scope}; none when P = 0. */
    public LayerPrefixes layerPrefixes(NDManager scope) {
        if (length == 0) {
            return null;
        }
        return split(table(scope), backbone);
    }

    /** A table [P, 2Ld] in PEFT's layout as one {@link org.softprompt.backbone.Prefix} per layer, batch 1. */
    static LayerPrefixes split(NDArray table, Backbone backbone) {
        return split(table, backbone.numLayers(), backbone.numHeads(), backbone.headDim());
    }

    /** A table [P, 2 * layers * heads * headDim] in PEFT's layout as one prefix per layer, batch 1. */
    static LayerPrefixes split(NDArray table, int layers, int heads, int headDim) {
        long p = table.getShape().get(0);
        NDArray perLayer = table.reshape(p, 2L * layers, heads, headDim).transpose(1, 2, 0, 3);
        List<org.softprompt.backbone.Prefix> prefixes = new ArrayList<>();
        for (int layer = 0; layer < layers; layer++) {
            prefixes.add(org.softprompt.backbone.Prefix.of(perLayer.get(2L * layer).expandDims(0),
                    perLayer.get(2L * layer + 1).expandDims(0)));
        }
        return LayerPrefixes.of(prefixes);
    }

    /** Per-layer keys and values [1, heads, P, headDim] (e.g. from a KV cache) as a table [P, 2Ld]. */
    static NDArray join(List<NDArray> keys, List<NDArray> values) {
        NDList blocks = new NDList();
        for (int layer = 0; layer < keys.size(); layer++) {
            for (NDArray kv : List.of(keys.get(layer), values.get(layer))) {
                Shape s = kv.getShape();
                blocks.add(kv.get(0).transpose(1, 0, 2).reshape(s.get(2), s.get(1) * s.get(3)));
            }
        }
        return NDArrays.concat(blocks, 1);
    }

    /**
     * The input with every layer's prefix and, for causal models, positions shifted by P (positions the caller
     * gave are shifted too). The attention mask stays the text's: prefix positions are always attended.
     */
    @Override
    public ForwardInput enter(ForwardInput input) {
        if (length == 0) {
            return input;
        }
        if (input.prefixes() != null) {
            throw new IllegalArgumentException("the input already has per-layer prefixes; prefix-tuning adds its own");
        }
        NDManager scope = input.manager();
        ForwardInput out = input.withPrefixes(layerPrefixes(scope));
        if (positionsAfterPrefix) {
            out = out.withPositionIds(shiftedPositions(input, scope));
        }
        return out;
    }

    private NDArray shiftedPositions(ForwardInput input, NDManager scope) {
        if (input.positionIds() != null) {
            return input.positionIds().add(length);
        }
        KvCache cache = input.cache();
        long past = cache == null ? 0 : cache.length();
        long t = input.primary().getShape().get(1);
        if (backbone.config() instanceof Gpt2Config gpt2 && length + past + t > gpt2.maxPositions()) {
            throw new IllegalArgumentException("prefix " + length + " + cached " + past + " + " + t + " tokens exceed "
                    + "GPT-2's " + gpt2.maxPositions() + " positions (n_positions); the prefix counts as past tokens");
        }
        return scope.arange(length + past, length + past + t).toType(DataType.INT64, false).reshape(1, t);
    }

    /**
     * Only the table, as stored for deployment: the MLP is evaluated once and dropped. The result is a new model
     * (this one is unchanged) that computes identical outputs.
     */
    public PrefixTuning collapse() {
        PrefixTuning collapsed = new PrefixTuning(backbone, parent, length, Reparam.none(),
                positionsAfterPrefix, initialization.deepCopy(), 0);
        if (length > 0) {
            try (NDManager scope = manager.newSubManager()) {
                overwrite(collapsed.parameters.get(NAMES.embedding()), table(scope).toFloatArray());
            }
        }
        collapsed.initialization.addProperty("collapsed_from", reparam.toString());
        return collapsed;
    }

    /**
     * Saves this prefix in PEFT's adapter layout (see {@link PeftAdapter}): {@code adapter_config.json} with
     * peft_type PREFIX_TUNING, {@code adapter_model.safetensors} with the collapsed table {@code prompt_embeddings}
     * [P, 2Ld] (PEFT loads it with {@code PeftModel.from_pretrained}), and the sidecar with the trained tensors
     * (the MLP included) so that {@link #fromPeft} can resume training. PEFT always counts the prefix as past
     * tokens; a prefix with {@code positionsAfterPrefix(false)} computes differently there (the sidecar records it,
     * so it loads back here unchanged).
     *
     * @param baseModelNameOrPath the backbone's hub name or folder, PEFT's {@code base_model_name_or_path}
     * @param taskType PEFT's task_type, e.g. "CAUSAL_LM" or "SEQ_CLS"
     */
    public void saveAsPeft(Path dir, String baseModelNameOrPath, String taskType) {
        requireNonEmpty();
        JsonObject config = PeftAdapter.baseConfig(PeftAdapter.Type.PREFIX_TUNING, backbone, length,
                baseModelNameOrPath, taskType);
        if (reparam.isMlp()) {
            config.addProperty("encoder_hidden_size", reparam.hiddenSize());
        } else {
            config.add("encoder_hidden_size", null);
        }
        config.addProperty("prefix_projection", reparam.isMlp());
        try (NDManager scope = manager.newSubManager()) {
            PeftAdapter.write(dir, config, table(scope), parameters, config());
        }
    }

    /**
     * Loads a prefix in PEFT's adapter layout (a folder with adapter_config.json and adapter_model.safetensors,
     * whose {@code prompt_embeddings} [P, 2Ld] is the collapsed table), saved by PEFT or by {@link #saveAsPeft}.
     * With this toolkit's sidecar the prefix comes back trainable as it was saved (the MLP included, after checking
     * that it recomputes the saved table); without one it is the collapsed table with PEFT's positions.
     */
    public static PrefixTuning fromPeft(Backbone backbone, Path adapterDir, NDManager manager) {
        JsonObject config = PeftAdapter.readConfig(adapterDir, PeftAdapter.Type.PREFIX_TUNING, backbone);
        Path configFile = adapterDir.resolve(PeftAdapter.CONFIG);
        int length = PeftAdapter.intField(config, "num_virtual_tokens", configFile);
        PeftAdapter.requireRoomForText(backbone, length, configFile + ": a prefix of num_virtual_tokens " + length);
        int width = 2 * backbone.numLayers() * backbone.hiddenSize();
        try (NDManager scope = manager.newSubManager()) {
            NDArray table = PeftAdapter.readPromptEmbeddings(adapterDir, length, width, scope);
            PeftAdapter.TrainingState state = PeftAdapter.readTrainingState(adapterDir, scope);
            JsonObject init = new JsonObject();
            init.addProperty("kind", "peft");
            init.addProperty("adapter", adapterDir.toString());
            if (state == null) {
                PrefixTuning prefix = new PrefixTuning(backbone, manager, length, Reparam.none(), true, init, 0);
                prefix.load(Map.of(NAMES.embedding(), table), adapterDir.resolve(PeftAdapter.WEIGHTS).toString());
                return prefix;
            }
            JsonObject saved = state.methodConfig();
            Path sidecar = adapterDir.resolve(PeftAdapter.TRAINING_STATE);
            if (!saved.has("method") || !"prefix-tuning".equals(saved.get("method").getAsString())
                    || saved.get("length").getAsInt() != length) {
                throw new IllegalArgumentException(sidecar + " holds " + saved + ", not a prefix of length " + length);
            }
            Reparam reparam = saved.has("encoder_hidden_size") ? Reparam.mlp(saved.get("encoder_hidden_size")
                    .getAsInt()) : Reparam.none();
            boolean shift = !saved.has("positions_after_prefix") || saved.get("positions_after_prefix").getAsBoolean();
            JsonObject savedInit = saved.has("init") ? saved.getAsJsonObject("init") : init;
            PrefixTuning prefix = new PrefixTuning(backbone, manager, length, reparam, shift, savedInit, 0);
            try {
                prefix.load(state.tensors(), sidecar.toString());
                PeftAdapter.requireConsistent(adapterDir, prefix.table(scope), table);
            } catch (RuntimeException e) {
                prefix.close();
                throw e;
            }
            return prefix;
        }
    }

    /**
     * Copies trained tensors into this model by name (e.g. PEFT's PrefixEncoder state without its "encoder."
     * prefix, or a {@link org.softprompt.train.TrainingCheckpoint}'s parameters). Every parameter must be given
     * with its exact shape; extra names are an error.
     */
    public void load(Map<String, NDArray> tensors, String source) {
        for (String name : tensors.keySet()) {
            if (!parameters.containsKey(name)) {
                throw new IllegalArgumentException(source + ": unexpected tensor '" + name + "'; a " + reparam
                        + " prefix of length " + length + " has " + parameters.keySet());
            }
        }
        parameters.forEach((name, parameter) -> {
            NDArray given = tensors.get(name);
            if (given == null) {
                throw new IllegalArgumentException(source + ": missing tensor '" + name + "' " + parameter.getShape());
            }
            if (!given.getShape().equals(parameter.getShape())) {
                throw new IllegalArgumentException(source + ": tensor '" + name + "' is " + given.getShape()
                        + ", expected " + parameter.getShape());
            }
            overwrite(parameter, given.toType(DataType.FLOAT32, false).toFloatArray());
        });
    }

    /**
     * Sets the prefix to given activations (a table [P, 2Ld], e.g. the frozen model's keys and values for real
     * words). The table is copied directly; an MLP is fitted to it as Li &amp; Liang do (their
     * lowdata_init_train3): Adam on the mean squared error, the transform only, the embedding kept.
     */
    void initializeTo(NDArray target, int fitSteps, double fitLearningRate) {
        if (!reparam.isMlp()) {
            overwrite(parameters.get(NAMES.embedding()), target.toFloatArray());
            return;
        }
        initialization.addProperty("fit_mse", fitTransform(parameters, this::table, target, fitSteps,
                fitLearningRate, manager));
    }

    /**
     * Li &amp; Liang's fit of a reparameterization MLP to a target (lowdata_init_train3): Adam on the mean squared
     * error of {@code output}, the transform trained and the embedding kept. Returns the final error.
     */
    static float fitTransform(Map<String, NDArray> parameters, Function<NDManager, NDArray> output, NDArray target,
            int steps, double learningRate, NDManager manager) {
        Map<String, NDArray> transform = new LinkedHashMap<>(parameters);
        NDArray embedding = transform.remove(NAMES.embedding());
        embedding.setRequiresGradient(false);
        try (AdamW adam = new AdamW(List.of(ParameterGroup.all(learningRate, 0)),
                LearningRateSchedule.constant(), manager)) {
            for (int step = 0; step < steps; step++) {
                try (NDManager scope = manager.newSubManager();
                        GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    NDArray loss = output.apply(scope).sub(target).square().mean();
                    collector.backward(loss);
                    adam.step(transform);
                }
            }
        } finally {
            embedding.setRequiresGradient(true);
        }
        try (NDManager scope = manager.newSubManager()) {
            return output.apply(scope).sub(target).square().mean().getFloat();
        }
    }

    /** Replaces a trainable parameter's values in place (outside autograd), keeping it trainable. */
    static void overwrite(NDArray parameter, float[] values) {
        parameter.setRequiresGradient(false);
        parameter.set(values);
        parameter.setRequiresGradient(true);
    }

    private void requireNonEmpty() {
        if (length == 0) {
            throw new IllegalStateException("a prefix of length 0 has no table");
        }
    }

    @Override
    public void close() {
        manager.close();
    }

    @Override
    public String toString() {
        return "PrefixTuning[P=" + length + ", reparam " + reparam + ", " + trainedParameterCount()
                + " trained of " + backbone.weights().parameterCount() + " backbone parameters]";
    }

    static JsonArray ids(int[] ids) {
        JsonArray array = new JsonArray();
        for (int id : ids) {
            array.add(id);
        }
        return array;
    }
}
