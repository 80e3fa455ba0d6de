package org.softprompt.method.prefix;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import com.google.gson.JsonObject;

import java.util.Map;

import org.softprompt.backbone.Backbone;
import org.softprompt.backbone.ForwardInput;
import org.softprompt.backbone.ForwardOutput;
import org.softprompt.method.TunedModel;

/**
 * Li &amp; Liang's embedding-only ablation (section 7.2, Table 5): the trainable part is P input embeddings in front
 * of the text ([PREFIX; x; y]) and nothing deeper, so the frozen layers compute the prefix's activations.
 *
 * <p>{@link #forward} returns outputs aligned with the caller's tokens: the prompt's P positions are dropped from
 * logits, last hidden state and hidden states, so a loss written for the frozen model applies unchanged. Decoding
 * with a KV cache is not supported (use the uncached forward). Create with {@link Prefix#buildEmbeddingOnly}.
 */
public final class EmbeddingOnlyPrompt implements TunedModel {
    private final Backbone backbone;
    private final SoftTokens tokens;
    private final JsonObject initialization;

    EmbeddingOnlyPrompt(Backbone backbone, SoftTokens tokens, JsonObject initialization) {
        this.backbone = backbone;
        this.tokens = tokens;
        this.initialization = initialization;
    }

    @Override
    public Backbone backbone() {
        return backbone;
    }

    @Override
    public Map<String, NDArray> trainable() {
        return tokens.parameters();
    }

    public int length() {
        return tokens.length();
    }

    @Override
    public JsonObject config() {
        JsonObject json = new JsonObject();
        json.addProperty("method", "prefix-tuning-embedding-only");
        json.addProperty("paper", "Li & Liang 2021, section 7.2 (embedding-only ablation)");
        tokens.addConfig(json);
        json.add("init", initialization.deepCopy());
        return json;
    }

    /** The input as embeddings [B, P + T, d] with the prompt in front; mask, positions and token types extended. */
    @Override
    public ForwardInput enter(ForwardInput input) {
        int p = tokens.length();
        if (p == 0) {
            return input;
        }
        if (input.cache() != null) {
            throw new UnsupportedOperationException("the embedding-only prompt does not support a KV cache; "
                    + "decode without cache");
        }
        if (input.pixelValues() != null) {
            throw new IllegalArgumentException("the embedding-only prompt needs inputIds or inputsEmbeds");
        }
        NDManager scope = input.manager();
        NDArray text = input.inputIds() != null ? tokens.embedText(input.inputIds()) : input.inputsEmbeds();
        long b = text.getShape().get(0);
        NDArray embeds = tokens.forBatch(scope, b).concat(text, 1);
        NDArray mask = input.attentionMask() == null ? null
                : scope.ones(new Shape(b, p), input.attentionMask().getDataType()).concat(input.attentionMask(), 1);
        NDArray positions = input.positionIds() == null ? null
                : scope.arange(0, p).toType(DataType.INT64, false).reshape(1, p)
                        .broadcast(new Shape(input.positionIds().getShape().get(0), p))
                        .concat(input.positionIds().toType(DataType.INT64, false).add(p), 1);
        NDArray types = input.tokenTypeIds() == null ? null
                : scope.zeros(new Shape(b, p), input.tokenTypeIds().getDataType()).concat(input.tokenTypeIds(), 1);
        return SoftTokens.withSequence(input, embeds, mask, types, positions);
    }

    /** The backbone's outputs for the caller's T positions (the prompt's P positions dropped). */
    @Override
    public ForwardOutput forward(ForwardInput input) {
        ForwardOutput out = backbone.forward(enter(input));
        int p = tokens.length();
        if (p == 0) {
            return out;
        }
        NDIndex text = new NDIndex(":, " + p + ":");
        return SoftTokens.selectPositions(out, h -> h.get(text));
    }

    @Override
    public void close() {
        tokens.close();
    }
}
