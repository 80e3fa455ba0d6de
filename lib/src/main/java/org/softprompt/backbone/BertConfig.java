package org.softprompt.backbone;

import com.google.gson.JsonObject;

import java.nio.file.Path;

/**
 * BERT's config.json (transformers' BertConfig; RobertaConfig and XLMRobertaConfig share its fields), with
 * transformers' defaults for absent fields.
 *
 * @param modelType model_type: "bert", or "roberta"/"xlm-roberta" (names roberta.* and lm_head.*, position ids
 *     counted from pad_token_id + 1)
 * @param vocabSize vocab_size
 * @param hiddenSize hidden_size
 * @param numLayers num_hidden_layers
 * @param numHeads num_attention_heads
 * @param intermediateSize intermediate_size
 * @param activation hidden_act
 * @param hiddenDropout hidden_dropout_prob: after the embeddings and each sublayer's output projection
 * @param attentionDropout attention_probs_dropout_prob
 * @param maxPositions max_position_embeddings
 * @param typeVocabSize type_vocab_size
 * @param initializerRange initializer_range
 * @param layerNormEps layer_norm_eps
 * @param padTokenId pad_token_id (the word embedding's padding row; RoBERTa's position offset); -1 for none
 * @param isDecoder is_decoder: causal self-attention (then a KV cache can be used)
 * @param tieWordEmbeddings tie_word_embeddings: the MLM decoder is the word embedding matrix
 * @param json the config.json object this was read from (fields not modelled here survive a save); may be null
 */
public record BertConfig(String modelType, int vocabSize, int hiddenSize, int numLayers, int numHeads,
                         int intermediateSize, Activation activation, double hiddenDropout, double attentionDropout,
                         int maxPositions, int typeVocabSize, double initializerRange, double layerNormEps,
                         int padTokenId, boolean isDecoder, boolean tieWordEmbeddings, JsonObject json)
        implements BackboneConfig {

    public BertConfig {
        if (!modelType.equals("bert") && !isRobertaStyle(modelType)) {
            throw new IllegalArgumentException("modelType must be bert, roberta or xlm-roberta, got " + modelType);
        }
        if (vocabSize <= 0 || hiddenSize <= 0 || numLayers <= 0 || numHeads <= 0 || intermediateSize <= 0
                || maxPositions <= 0 || typeVocabSize <= 0) {
            throw new IllegalArgumentException("BERT sizes must be positive: vocab " + vocabSize + ", hidden "
                    + hiddenSize + ", layers " + numLayers + ", heads " + numHeads + ", intermediate "
                    + intermediateSize + ", positions " + maxPositions + ", types " + typeVocabSize);
        }
        if (hiddenSize % numHeads != 0) {
            throw new IllegalArgumentException("num_attention_heads (" + numHeads + ") must divide hidden_size ("
                    + hiddenSize + ")");
        }
    }

    /** A BERT config with transformers' defaults (gelu, dropout 0.1, eps 1e-12, pad 0) for the given sizes. */
    public static BertConfig of(int vocabSize, int hiddenSize, int numLayers, int numHeads, int intermediateSize,
                                int maxPositions) {
        return new BertConfig("bert", vocabSize, hiddenSize, numLayers, numHeads, intermediateSize, Activation.GELU,
                0.1, 0.1, maxPositions, 2, 0.02, 1e-12, 0, false, true, null);
    }

    /** Reads {@code path}: a config.json file or a checkpoint folder holding one. */
    public static BertConfig read(Path path) {
        return fromJson(ConfigJson.read(path));
    }

    /** Parses a config.json object; {@code source} names it in error messages. */
    public static BertConfig fromJson(JsonObject json, String source) {
        return fromJson(new ConfigJson(json, source));
    }

    static BertConfig fromJson(ConfigJson c) {
        String type = c.modelType("bert", "roberta", "xlm-roberta");
        c.requireAbsentOrFalse("add_cross_attention", "softprompt's BERT has no cross-attention");
        String positions = c.string("position_embedding_type", "absolute");
        if (!positions.equals("absolute")) {
            throw c.error("position_embedding_type", "is '" + positions + "'; only 'absolute' is supported");
        }
        int hidden = c.positiveInt("hidden_size");
        int heads = c.positiveInt("num_attention_heads");
        if (hidden % heads != 0) {
            throw c.error("num_attention_heads", "is " + heads + ", which does not divide hidden_size = " + hidden);
        }
        boolean roberta = isRobertaStyle(type);
        return new BertConfig(type, c.positiveInt("vocab_size"), hidden, c.positiveInt("num_hidden_layers"), heads,
                c.positiveInt("intermediate_size"), c.activation("hidden_act", "gelu"),
                c.probability("hidden_dropout_prob", 0.1), c.probability("attention_probs_dropout_prob", 0.1),
                c.positiveInt("max_position_embeddings", 512), c.positiveInt("type_vocab_size", 2),
                c.number("initializer_range", 0.02), c.number("layer_norm_eps", 1e-12),
                c.integer("pad_token_id", roberta ? 1 : 0), c.bool("is_decoder", false),
                c.bool("tie_word_embeddings", true), c.json());
    }

    static boolean isRobertaStyle(String modelType) {
        return modelType.equals("roberta") || modelType.equals("xlm-roberta");
    }

    /** RoBERTa's naming and position-id conventions apply. */
    public boolean robertaStyle() {
        return isRobertaStyle(modelType);
    }

    /** The same config with every dropout probability set to {@code p}. */
    public BertConfig withDropout(double p) {
        return new BertConfig(modelType, vocabSize, hiddenSize, numLayers, numHeads, intermediateSize, activation,
                p, p, maxPositions, typeVocabSize, initializerRange, layerNormEps, padTokenId, isDecoder,
                tieWordEmbeddings, json);
    }

    /** The same config as a causal decoder (is_decoder) or not. */
    public BertConfig withDecoder(boolean decoder) {
        return new BertConfig(modelType, vocabSize, hiddenSize, numLayers, numHeads, intermediateSize, activation,
                hiddenDropout, attentionDropout, maxPositions, typeVocabSize, initializerRange, layerNormEps,
                padTokenId, decoder, tieWordEmbeddings, json);
    }

    /** The same sizes under another model_type ("roberta" switches names and position ids). */
    public BertConfig withModelType(String type, int padToken) {
        return new BertConfig(type, vocabSize, hiddenSize, numLayers, numHeads, intermediateSize, activation,
                hiddenDropout, attentionDropout, maxPositions, typeVocabSize, initializerRange, layerNormEps,
                padToken, isDecoder, tieWordEmbeddings, json);
    }

    @Override
    public JsonObject toJson() {
        JsonObject out = ConfigJson.copyOf(json);
        out.addProperty("model_type", modelType);
        out.addProperty("vocab_size", vocabSize);
        out.addProperty("hidden_size", hiddenSize);
        out.addProperty("num_hidden_layers", numLayers);
        out.addProperty("num_attention_heads", numHeads);
        out.addProperty("intermediate_size", intermediateSize);
        out.addProperty("hidden_act", activation.huggingFaceName());
        out.addProperty("hidden_dropout_prob", hiddenDropout);
        out.addProperty("attention_probs_dropout_prob", attentionDropout);
        out.addProperty("max_position_embeddings", maxPositions);
        out.addProperty("type_vocab_size", typeVocabSize);
        out.addProperty("initializer_range", initializerRange);
        out.addProperty("layer_norm_eps", layerNormEps);
        if (padTokenId >= 0) {
            out.addProperty("pad_token_id", padTokenId);
        }
        out.addProperty("position_embedding_type", "absolute");
        out.addProperty("is_decoder", isDecoder);
        out.addProperty("tie_word_embeddings", tieWordEmbeddings);
        return out;
    }
}
