package org.softprompt.method.prefix;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;

import com.google.gson.JsonObject;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;

import org.softprompt.Tensors;
import org.softprompt.backbone.Backbone;
import org.softprompt.backbone.ForwardInput;
import org.softprompt.backbone.ForwardOutput;
import org.softprompt.method.Reparam;

/**
 * P trainable input embeddings [P, d] for the embedding-only and infix ablations of Li &amp; Liang (Table 5):
 * either optimized directly, or produced by the same kind of MLP as the prefix (Embedding(P, d) -> Linear(d, k) ->
 * tanh -> Linear(k, d)). Direct embeddings start as the input embeddings of the init words, or of P vocabulary
 * tokens drawn with the seed (so they start at the scale of real tokens); with the MLP, its transform is fitted
 * to those embeddings the way the prefix MLP is fitted to activations.
 */
final class SoftTokens implements AutoCloseable {
    private final Backbone backbone;
    private final NDManager manager;
    private final int length;
    private final Reparam reparam;
    private final Map<String, NDArray> parameters;

    SoftTokens(Backbone backbone, NDManager parent, int length, Reparam reparam, long seed, int[] initIds,
            JsonObject initialization, int fitSteps, double fitLearningRate) {
        this.backbone = backbone;
        this.manager = parent.newSubManager();
        this.length = length;
        this.reparam = reparam;
        if (length > 0) {
            Random random = new Random(seed);
            int d = backbone.hiddenSize();
            NDArray table = tokenEmbeddings(backbone);
            int[] ids = initIds != null ? initIds : random.ints(length, 0, (int) table.getShape().get(0)).toArray();
            if (initIds == null) {
                initialization.add("vocabulary_ids", PrefixTuning.ids(ids));
            }
            NDArray words;
            try (NDManager scope = manager.newSubManager()) {
                long[] longIds = java.util.Arrays.stream(ids).asLongStream().toArray();
                NDArray idArray = scope.create(longIds);
                words = Tensors.floats(manager, embed(idArray, table).toFloatArray(), new Shape(length, d));
            }
            Map<String, NDArray> p = reparam.isMlp()
                    ? PrefixTuning.peftInit(reparam, manager, length, d, d, random)
                    : new LinkedHashMap<>(Map.of(PrefixTuning.NAMES.embedding(), words));
            p.values().forEach(a -> a.setRequiresGradient(true));
            this.parameters = Collections.unmodifiableMap(p);
            if (reparam.isMlp()) {
                fit(words, fitSteps, fitLearningRate, initialization);
            }
        } else {
            this.parameters = Map.of();
        }
    }

    /** The backbone's token embedding matrix [vocab, d] (GPT-2's wte, BERT's word_embeddings). */
    static NDArray tokenEmbeddings(Backbone backbone) {
        for (String name : backbone.weights().names()) {
            if (name.endsWith("wte.weight") || name.endsWith("word_embeddings.weight")) {
                return backbone.weight(name);
            }
        }
        throw new IllegalArgumentException(backbone.architecture() + " has no token embedding matrix "
                + "(looked for *wte.weight and *word_embeddings.weight)");
    }

    /** Rows of {@code table} at {@code ids}; the result lives in ids' manager. */
    static NDArray embed(NDArray ids, NDArray table) {
        return ids.getNDArrayInternal().embedding(ids.toType(DataType.INT64, false), table, SparseFormat.DENSE)
                .singletonOrThrow();
    }

    /** The ids' embeddings [B, T, d] in the backbone's frozen token table; the result lives in ids' manager. */
    NDArray embedText(NDArray ids) {
        return embed(ids, tokenEmbeddings(backbone));
    }

    /** The soft tokens repeated for every row: [batch, P, d], computed in {@code scope}. */
    NDArray forBatch(NDManager scope, long batch) {
        NDArray e = embeddings(scope);
        return e.expandDims(0).broadcast(new Shape(batch, e.getShape().get(0), e.getShape().get(1)));
    }

    /**
     * {@code input} with its sequence replaced by {@code embeds} and the matching mask, token types and positions
     * (each null when the caller gave none); prefixes, hooks and flags kept.
     */
    static ForwardInput withSequence(ForwardInput input, NDArray embeds, NDArray mask, NDArray types,
            NDArray positions) {
        return new ForwardInput(null, embeds, null, mask, types, positions, input.prefixes(), null, input.hooks(),
                input.training(), input.outputHiddenStates(), input.computeLogits())
                .withLogitsToKeep(input.logitsToKeep());
    }

    /** {@code out} with logits, last hidden state and hidden states passed through {@code keep} (the caller's rows). */
    static ForwardOutput selectPositions(ForwardOutput out, UnaryOperator<NDArray> keep) {
        List<NDArray> hidden = new ArrayList<>();
        out.hiddenStates().forEach(h -> hidden.add(keep.apply(h)));
        return new ForwardOutput(out.logits() == null ? null : keep.apply(out.logits()),
                keep.apply(out.lastHiddenState()), hidden, out.pooledOutput(), null);
    }

    int length() {
        return length;
    }

    Reparam reparam() {
        return reparam;
    }

    Map<String, NDArray> parameters() {
        return parameters;
    }

    /** The soft tokens [P, d] computed in {@code scope}. */
    NDArray embeddings(NDManager scope) {
        return reparam.table(scope, parameters, PrefixTuning.NAMES);
    }

    private void fit(NDArray target, int steps, double learningRate, JsonObject initialization) {
        float error = PrefixTuning.fitTransform(parameters, this::embeddings, target, steps, learningRate, manager);
        initialization.addProperty("fit_steps", steps);
        initialization.addProperty("fit_learning_rate", learningRate);
        initialization.addProperty("fit_mse", error);
    }

    void addConfig(JsonObject json) {
        json.addProperty("length", length);
        json.addProperty("reparam", reparam.isMlp() ? "mlp" : "none");
        if (reparam.isMlp()) {
            json.addProperty("encoder_hidden_size", reparam.hiddenSize());
        }
        json.addProperty("token_dim", backbone.hiddenSize());
        json.addProperty("backbone", backbone.architecture());
    }

    @Override
    public void close() {
        manager.close();
    }
}
