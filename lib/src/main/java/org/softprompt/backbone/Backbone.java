package org.softprompt.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A frozen pretrained transformer: its {@link Weights} (Hugging Face names), its config, and a functional forward
 * pass written with NDArray operations. Prompt methods enter through {@link ForwardInput} (input embeddings,
 * per-layer prefixes, a KV cache, {@link Hooks}) and never through model code.
 *
 * <p>All weights are frozen after loading; {@link #unfreeze} makes selected ones trainable (e.g. BitFit's biases).
 * Close the model to free its weights.
 */
public abstract class Backbone implements AutoCloseable {
    private final Weights weights;
    private final LoadReport loadReport;

    protected Backbone(Weights weights, LoadReport loadReport) {
        this.weights = weights;
        this.loadReport = loadReport;
    }

    public abstract BackboneConfig config();

    /** Runs the model; see {@link ForwardInput} for what can go in and {@link ForwardOutput} for what comes out. */
    public abstract ForwardOutput forward(ForwardInput input);

    /** The name prefix of layer {@code layer}'s tensors, e.g. "transformer.h.3." or "bert.encoder.layer.3.". */
    public abstract String layerPrefix(int layer);

    /** The task head's tensors (BERT's MLM head, ViT's classifier; GPT-2's untied lm_head, usually none). */
    public abstract Predicate<String> taskHead();

    /** The embedding tensors (token, position, token type, patch embeddings, [CLS] token, embedding LayerNorm). */
    public abstract Predicate<String> embeddings();

    /** The transformers class this is, written to config.json's "architectures" on save. */
    public abstract String architecture();

    /** Whether {@link ForwardInput#withCache} is supported (causal models). */
    public abstract boolean supportsCache();

    public Weights weights() {
        return weights;
    }

    /** How the checkpoint matched (with lenient loading: what was initialized); clean for random models. */
    public LoadReport loadReport() {
        return loadReport;
    }

    public int numLayers() {
        return config().numLayers();
    }

    public int numHeads() {
        return config().numHeads();
    }

    public int hiddenSize() {
        return config().hiddenSize();
    }

    public int headDim() {
        return config().headDim();
    }

    /** One transformer layer of a forward pass: layer {@code index} applied to {@code hidden}. */
    interface Layer {
        NDArray apply(int index, NDArray hidden);
    }

    /**
     * Runs every layer in order, the {@link Hooks#beforeLayer} hook on each layer's input first, and adds each
     * layer's input to {@code hiddenStates} when they were asked for; the final hidden state is the caller's to add
     * (before or after a final LayerNorm, as the architecture's transformers class does).
     */
    NDArray runLayers(NDArray hidden, ForwardInput in, List<NDArray> hiddenStates, Layer layer) {
        for (int index = 0; index < numLayers(); index++) {
            hidden = Nn.adopt(in.hooks().beforeLayer(index, hidden), hidden);
            if (in.outputHiddenStates()) {
                hiddenStates.add(hidden);
            }
            hidden = layer.apply(index, hidden);
        }
        return hidden;
    }

    /** A tensor by its Hugging Face name. */
    public NDArray weight(String name) {
        return weights.get(name);
    }

    /** The tensors of the given layers. */
    public Predicate<String> layers(int... layerIndices) {
        String[] prefixes = Arrays.stream(layerIndices).mapToObj(this::layerPrefix).toArray(String[]::new);
        return name -> {
            for (String prefix : prefixes) {
                if (name.startsWith(prefix)) {
                    return true;
                }
            }
            return false;
        };
    }

    /** The tensors of the last {@code k} layers. */
    public Predicate<String> topLayers(int k) {
        if (k < 0 || k > numLayers()) {
            throw new IllegalArgumentException("k must be in [0, " + numLayers() + "], got " + k);
        }
        int[] top = new int[k];
        for (int i = 0; i < k; i++) {
            top[i] = numLayers() - k + i;
        }
        return layers(top);
    }

    /** Freezes every weight (the state after loading). */
    public void freezeAll() {
        weights.freezeAll();
    }

    /** Makes the weights whose names match trainable; the others keep their state. */
    public void unfreeze(Predicate<String> names) {
        weights.unfreeze(names);
    }

    /** Freezes the weights whose names match; the others keep their state. */
    public void freeze(Predicate<String> names) {
        weights.freeze(names);
    }

    /** The trainable weights by name, in order. */
    public Map<String, NDArray> trainable() {
        return weights.trainable();
    }

    /** A new empty KV cache for this model, owned by a sub-manager of {@code manager}. */
    public KvCache newCache(NDManager manager) {
        if (!supportsCache()) {
            throw new UnsupportedOperationException(architecture() + " is not causal; a KV cache needs GPT-2 or "
                    + "BERT with is_decoder");
        }
        return new KvCache(numLayers(), manager);
    }

    /**
     * Saves in the Hugging Face layout: {@code dir/config.json} and {@code dir/model.safetensors}, each written
     * atomically (the weights first). transformers' from_pretrained loads the result.
     */
    public void save(Path dir) {
        Safetensors.write(dir.resolve(Checkpoint.WEIGHTS_FILE), weights.asMap(), Map.of());
        JsonObject json = config().toJson();
        JsonArray architectures = new JsonArray();
        architectures.add(architecture());
        json.add("architectures", architectures);
        json.addProperty("torch_dtype", "float32");
        ConfigJson.write(json, dir);
    }

    /** Fails when an encoder-decoder's inputs are given to a model that has no decoder. */
    static void requireNoEncoderDecoderInputs(ForwardInput in, String model) {
        if (in.encoderOutput() != null || in.decoder() != null) {
            throw new IllegalArgumentException(model + " is not an encoder-decoder: it takes no encoderOutput and "
                    + "no decoder input");
        }
    }

    @Override
    public void close() {
        weights.close();
    }

    @Override
    public String toString() {
        return architecture() + "[" + numLayers() + " layers, hidden " + hiddenSize() + ", " + numHeads()
                + " heads, " + weights + "]";
    }
}
