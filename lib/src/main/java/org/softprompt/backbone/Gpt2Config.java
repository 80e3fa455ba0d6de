package org.softprompt.backbone;

import com.google.gson.JsonObject;

import java.nio.file.Path;

/**
 * GPT-2's config.json (transformers' GPT2Config), with its defaults for absent fields.
 *
 * @param vocabSize vocab_size
 * @param maxPositions n_positions
 * @param hiddenSize n_embd
 * @param numLayers n_layer
 * @param numHeads n_head
 * @param intermediateSize n_inner (null in config.json: 4 * n_embd)
 * @param activation activation_function
 * @param residDropout resid_pdrop: after each sublayer's output projection
 * @param embdDropout embd_pdrop: after the embeddings
 * @param attnDropout attn_pdrop: on the attention probabilities
 * @param layerNormEps layer_norm_epsilon
 * @param initializerRange initializer_range
 * @param scaleAttnWeights scale_attn_weights: divide scores by sqrt(headDim)
 * @param scaleAttnByInverseLayerIdx scale_attn_by_inverse_layer_idx: also divide by layer index + 1
 * @param tieWordEmbeddings tie_word_embeddings: the LM head is wte (else lm_head.weight is its own tensor)
 * @param json the config.json object this was read from (fields not modelled here survive a save); may be null
 */
public record Gpt2Config(int vocabSize, int maxPositions, int hiddenSize, int numLayers, int numHeads,
                         int intermediateSize, Activation activation, double residDropout, double embdDropout,
                         double attnDropout, double layerNormEps, double initializerRange, boolean scaleAttnWeights,
                         boolean scaleAttnByInverseLayerIdx, boolean tieWordEmbeddings, JsonObject json)
        implements BackboneConfig {

    public Gpt2Config {
        if (vocabSize <= 0 || maxPositions <= 0 || hiddenSize <= 0 || numLayers <= 0 || numHeads <= 0
                || intermediateSize <= 0) {
            throw new IllegalArgumentException("GPT-2 sizes must be positive: vocab " + vocabSize + ", positions "
                    + maxPositions + ", hidden " + hiddenSize + ", layers " + numLayers + ", heads " + numHeads
                    + ", inner " + intermediateSize);
        }
        if (hiddenSize % numHeads != 0) {
            throw new IllegalArgumentException("n_head (" + numHeads + ") must divide n_embd (" + hiddenSize + ")");
        }
    }

    /** A config with transformers' defaults (dropout 0.1, gelu_new, eps 1e-5, range 0.02) for the given sizes. */
    public static Gpt2Config of(int vocabSize, int maxPositions, int hiddenSize, int numLayers, int numHeads) {
        return new Gpt2Config(vocabSize, maxPositions, hiddenSize, numLayers, numHeads, 4 * hiddenSize,
                Activation.GELU_NEW, 0.1, 0.1, 0.1, 1e-5, 0.02, true, false, true, null);
    }

    /** Reads {@code path}: a config.json file or a checkpoint folder holding one. */
    public static Gpt2Config read(Path path) {
        return fromJson(ConfigJson.read(path));
    }

    /** Parses a config.json object; {@code source} names it in error messages. */
    public static Gpt2Config fromJson(JsonObject json, String source) {
        return fromJson(new ConfigJson(json, source));
    }

    static Gpt2Config fromJson(ConfigJson c) {
        c.modelType("gpt2");
        c.requireAbsentOrFalse("add_cross_attention", "softprompt's GPT-2 has no cross-attention");
        int hidden = c.positiveInt("n_embd");
        int heads = c.positiveInt("n_head");
        if (hidden % heads != 0) {
            throw c.error("n_head", "is " + heads + ", which does not divide n_embd = " + hidden);
        }
        return new Gpt2Config(c.positiveInt("vocab_size"), c.positiveInt("n_positions"), hidden,
                c.positiveInt("n_layer"), heads, c.positiveInt("n_inner", 4 * hidden),
                c.activation("activation_function", "gelu_new"), c.probability("resid_pdrop", 0.1),
                c.probability("embd_pdrop", 0.1), c.probability("attn_pdrop", 0.1),
                c.number("layer_norm_epsilon", 1e-5), c.number("initializer_range", 0.02),
                c.bool("scale_attn_weights", true), c.bool("scale_attn_by_inverse_layer_idx", false),
                c.bool("tie_word_embeddings", true), c.json());
    }

    @Override
    public String modelType() {
        return "gpt2";
    }

    /** The same config with every dropout probability set to {@code p} (0 for deterministic tests). */
    public Gpt2Config withDropout(double p) {
        return new Gpt2Config(vocabSize, maxPositions, hiddenSize, numLayers, numHeads, intermediateSize,
                activation, p, p, p, layerNormEps, initializerRange, scaleAttnWeights, scaleAttnByInverseLayerIdx,
                tieWordEmbeddings, json);
    }

    @Override
    public JsonObject toJson() {
        JsonObject out = ConfigJson.copyOf(json);
        out.addProperty("model_type", "gpt2");
        out.addProperty("vocab_size", vocabSize);
        out.addProperty("n_positions", maxPositions);
        out.addProperty("n_embd", hiddenSize);
        out.addProperty("n_layer", numLayers);
        out.addProperty("n_head", numHeads);
        out.addProperty("n_inner", intermediateSize);
        out.addProperty("activation_function", activation.huggingFaceName());
        out.addProperty("resid_pdrop", residDropout);
        out.addProperty("embd_pdrop", embdDropout);
        out.addProperty("attn_pdrop", attnDropout);
        out.addProperty("layer_norm_epsilon", layerNormEps);
        out.addProperty("initializer_range", initializerRange);
        out.addProperty("scale_attn_weights", scaleAttnWeights);
        out.addProperty("scale_attn_by_inverse_layer_idx", scaleAttnByInverseLayerIdx);
        out.addProperty("tie_word_embeddings", tieWordEmbeddings);
        return out;
    }
}
