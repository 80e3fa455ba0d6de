package org.softprompt.method.ptuning;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * P-tuning's prompt encoder (Liu et al. 2021, "GPT Understands, Too"; THUDM/P-tuning's PromptEncoder): a learned
 * input embedding per pseudo token, fed through a reparameterization whose outputs become the pseudo tokens'
 * input embeddings. Tensor names follow the official PyTorch module, prefixed "prompt_encoder.":
 * {@code embedding.weight} [n, d]; {@code lstm_head.weight_ih_l0} ... (a 2-layer bidirectional LSTM, hidden d/2 per
 * direction); {@code mlp_head.0.weight}, {@code mlp_head.0.bias}, {@code mlp_head.2.weight}, {@code mlp_head.2.bias}
 * (Linear d->d, ReLU, Linear d->d).
 */
public final class PromptEncoder {
    /** The reparameterization between the learned embeddings and the pseudo tokens' input embeddings. */
    public enum Kind {
        /** Bidirectional 2-layer LSTM then MLP, as the paper and official code. */
        LSTM_MLP,
        /** The MLP alone. */
        MLP,
        /** None: the learned embeddings are the input embeddings (prompt tuning, learned trigger embeddings). */
        NONE
    }

    static final String PREFIX = "prompt_encoder.";
    private static final String EMBEDDING = PREFIX + "embedding.weight";
    private static final String MLP = PREFIX + "mlp_head.";

    private final Kind kind;
    private final int tokens;
    private final int hiddenSize;
    private final Map<String, NDArray> parameters;
    private final BidirectionalLstm lstm;

    private PromptEncoder(Kind kind, int tokens, int hiddenSize, Map<String, NDArray> parameters,
            BidirectionalLstm lstm) {
        this.kind = kind;
        this.tokens = tokens;
        this.hiddenSize = hiddenSize;
        this.parameters = Collections.unmodifiableMap(parameters);
        this.lstm = lstm;
    }

    /**
     * A new encoder with PyTorch's default initializations (embedding N(0, 1), LSTM and Linear uniform), seeded.
     *
     * @param initialEmbeddings [tokens, hiddenSize] starting values of the learned embeddings, or null for N(0, 1)
     * @param lstmDropout dropout between the LSTM's layers when training (official default 0)
     */
    public static PromptEncoder create(Kind kind, int tokens, int hiddenSize, NDArray initialEmbeddings,
            double lstmDropout, NDManager manager, long seed) {
        if (tokens < 1) {
            throw new IllegalArgumentException("a prompt encoder needs at least one pseudo token, got " + tokens);
        }
        if (kind == Kind.LSTM_MLP && hiddenSize % 2 != 0) {
            throw new IllegalArgumentException("the bidirectional LSTM has hidden size d/2 per direction: d must be "
                    + "even, got " + hiddenSize);
        }
        Map<String, NDArray> parameters = new LinkedHashMap<>();
        NDArray embedding;
        if (initialEmbeddings == null) {
            embedding = InitialValues.normal(manager, EMBEDDING, new Shape(tokens, hiddenSize), 1.0, seed);
        } else {
            if (!initialEmbeddings.getShape().equals(new Shape(tokens, hiddenSize))) {
                throw new IllegalArgumentException("initial embeddings must be [" + tokens + ", " + hiddenSize
                        + "], got " + initialEmbeddings.getShape());
            }
            embedding = initialEmbeddings.toType(ai.djl.ndarray.types.DataType.FLOAT32, true);
            embedding.attach(manager);
            embedding.setRequiresGradient(true);
        }
        parameters.put(EMBEDDING, embedding);
        BidirectionalLstm lstm = null;
        if (kind == Kind.LSTM_MLP) {
            lstm = BidirectionalLstm.create(PREFIX + "lstm_head.", hiddenSize, hiddenSize / 2, 2, lstmDropout,
                    manager, seed);
            parameters.putAll(lstm.weights());
        }
        if (kind != Kind.NONE) {
            double bound = 1 / Math.sqrt(hiddenSize);
            for (String layer : new String[] {"0", "2"}) {
                parameters.put(MLP + layer + ".weight", InitialValues.uniform(manager, MLP + layer + ".weight",
                        new Shape(hiddenSize, hiddenSize), bound, seed));
                parameters.put(MLP + layer + ".bias", InitialValues.uniform(manager, MLP + layer + ".bias",
                        new Shape(hiddenSize), bound, seed));
            }
        }
        return new PromptEncoder(kind, tokens, hiddenSize, parameters, lstm);
    }

    public Kind kind() {
        return kind;
    }

    public int tokens() {
        return tokens;
    }

    public int hiddenSize() {
        return hiddenSize;
    }

    /** The trained tensors by name. */
    public Map<String, NDArray> parameters() {
        return parameters;
    }

    /** The pseudo tokens' input embeddings [tokens, hiddenSize]. */
    public NDArray forward(boolean training) {
        NDArray x = parameters.get(EMBEDDING);
        if (kind == Kind.NONE) {
            return x;
        }
        if (lstm != null) {
            x = lstm.forward(x, training);
        }
        x = linear(x, MLP + "0").getNDArrayInternal().relu();
        return linear(x, MLP + "2");
    }

    private NDArray linear(NDArray x, String module) {
        return x.getNDArrayInternal().linear(x, parameters.get(module + ".weight"), parameters.get(module + ".bias"))
                .singletonOrThrow();
    }
}
