package org.softprompt.backbone;

import com.google.gson.JsonObject;

import java.nio.file.Path;

/**
 * BART's config.json (transformers' BartConfig), with transformers' defaults for absent fields. As in transformers,
 * {@link #numLayers()} and {@link #numHeads()} are the encoder's (num_hidden_layers and num_attention_heads map to
 * encoder_layers and encoder_attention_heads); the decoder has its own. LayerNorm epsilon is 1e-5 (PyTorch's
 * default, which BART's modules use; not a config field).
 *
 * @param vocabSize vocab_size
 * @param maxPositions max_position_embeddings (the position tables have 2 more rows: BART's offset)
 * @param hiddenSize d_model
 * @param encoderLayers encoder_layers
 * @param decoderLayers decoder_layers
 * @param encoderHeads encoder_attention_heads
 * @param decoderHeads decoder_attention_heads
 * @param encoderFfnDim encoder_ffn_dim
 * @param decoderFfnDim decoder_ffn_dim
 * @param activation activation_function
 * @param dropout dropout: after the embeddings and after every sublayer
 * @param attentionDropout attention_dropout: on the attention probabilities
 * @param activationDropout activation_dropout: after the feed-forward activation
 * @param encoderLayerDrop encoder_layerdrop: probability of skipping a whole encoder layer while training
 * @param decoderLayerDrop decoder_layerdrop: the same for decoder layers (not applied with a KV cache)
 * @param initStd init_std: the standard deviation of the normal initialization
 * @param scaleEmbedding scale_embedding: token embeddings (from ids) multiplied by sqrt(d_model)
 * @param padTokenId pad_token_id (the shared embedding's padding row; replaces -100 when shifting labels)
 * @param bosTokenId bos_token_id
 * @param eosTokenId eos_token_id
 * @param decoderStartTokenId decoder_start_token_id: the first decoder token
 * @param tieWordEmbeddings tie_word_embeddings: the LM head is model.shared (else lm_head.weight is its own tensor)
 * @param json the config.json object this was read from (fields not modelled here survive a save); may be null
 */
public record BartConfig(int vocabSize, int maxPositions, int hiddenSize, int encoderLayers, int decoderLayers,
                         int encoderHeads, int decoderHeads, int encoderFfnDim, int decoderFfnDim,
                         Activation activation, double dropout, double attentionDropout, double activationDropout,
                         double encoderLayerDrop, double decoderLayerDrop, double initStd, boolean scaleEmbedding,
                         int padTokenId, int bosTokenId, int eosTokenId, int decoderStartTokenId,
                         boolean tieWordEmbeddings, JsonObject json) implements BackboneConfig {

    /** BART's learned positions are looked up at position + 2 (fairseq reserved the first two rows). */
    public static final int POSITION_OFFSET = 2;
    public static final double LAYER_NORM_EPS = 1e-5;

    public BartConfig {
        if (vocabSize <= 0 || maxPositions <= 0 || hiddenSize <= 0 || encoderLayers <= 0 || decoderLayers <= 0
                || encoderHeads <= 0 || decoderHeads <= 0 || encoderFfnDim <= 0 || decoderFfnDim <= 0) {
            throw new IllegalArgumentException("BART sizes must be positive: vocab " + vocabSize + ", positions "
                    + maxPositions + ", d_model " + hiddenSize + ", layers " + encoderLayers + "/" + decoderLayers
                    + ", heads " + encoderHeads + "/" + decoderHeads + ", ffn " + encoderFfnDim + "/"
                    + decoderFfnDim);
        }
        if (hiddenSize % encoderHeads != 0 || hiddenSize % decoderHeads != 0) {
            throw new IllegalArgumentException("encoder_attention_heads (" + encoderHeads + ") and "
                    + "decoder_attention_heads (" + decoderHeads + ") must divide d_model (" + hiddenSize + ")");
        }
        if (padTokenId < 0 || padTokenId >= vocabSize || decoderStartTokenId < 0
                || decoderStartTokenId >= vocabSize) {
            throw new IllegalArgumentException("pad_token_id (" + padTokenId + ") and decoder_start_token_id ("
                    + decoderStartTokenId + ") must be token ids below vocab_size (" + vocabSize + ")");
        }
    }

    /**
     * A BART config with transformers' defaults (gelu, dropout 0.1, attention and activation dropout 0, init_std
     * 0.02, no embedding scale, pad 1, bos 0, eos 2, decoder start 2) for the given sizes, the same in both stacks.
     */
    public static BartConfig of(int vocabSize, int maxPositions, int hiddenSize, int layers, int heads, int ffnDim) {
        return new BartConfig(vocabSize, maxPositions, hiddenSize, layers, layers, heads, heads, ffnDim, ffnDim,
                Activation.GELU, 0.1, 0, 0, 0, 0, 0.02, false, 1, 0, 2, 2, true, null);
    }

    /** Reads {@code path}: a config.json file or a checkpoint folder holding one. */
    public static BartConfig read(Path path) {
        return fromJson(ConfigJson.read(path));
    }

    /** Parses a config.json object; {@code source} names it in error messages. */
    public static BartConfig fromJson(JsonObject json, String source) {
        return fromJson(new ConfigJson(json, source));
    }

    static BartConfig fromJson(ConfigJson c) {
        c.modelType("bart");
        if (!c.bool("is_encoder_decoder", true)) {
            throw c.error("is_encoder_decoder", "is false; softprompt's BART is the encoder-decoder "
                    + "(BartForConditionalGeneration / BartModel)");
        }
        int d = c.positiveInt("d_model", 1024);
        int encoderHeads = c.positiveInt("encoder_attention_heads", 16);
        int decoderHeads = c.positiveInt("decoder_attention_heads", 16);
        if (d % encoderHeads != 0) {
            throw c.error("encoder_attention_heads", "is " + encoderHeads + ", which does not divide d_model = " + d);
        }
        if (d % decoderHeads != 0) {
            throw c.error("decoder_attention_heads", "is " + decoderHeads + ", which does not divide d_model = " + d);
        }
        int vocab = c.positiveInt("vocab_size", 50265);
        int pad = c.integer("pad_token_id", 1);
        int start = c.integer("decoder_start_token_id", 2);
        if (pad < 0 || pad >= vocab) {
            throw c.error("pad_token_id", "is " + pad + ", expected a token id below vocab_size = " + vocab);
        }
        if (start < 0 || start >= vocab) {
            throw c.error("decoder_start_token_id", "is " + start + ", expected a token id below vocab_size = "
                    + vocab);
        }
        return new BartConfig(vocab, c.positiveInt("max_position_embeddings", 1024), d,
                c.positiveInt("encoder_layers", 12), c.positiveInt("decoder_layers", 12), encoderHeads, decoderHeads,
                c.positiveInt("encoder_ffn_dim", 4096), c.positiveInt("decoder_ffn_dim", 4096),
                c.activation("activation_function", "gelu"), c.probability("dropout", 0.1),
                c.probability("attention_dropout", 0.0), c.probability("activation_dropout", 0.0),
                c.probability("encoder_layerdrop", 0.0), c.probability("decoder_layerdrop", 0.0),
                c.number("init_std", 0.02), c.bool("scale_embedding", false), pad, c.integer("bos_token_id", 0),
                c.integer("eos_token_id", 2), start, c.bool("tie_word_embeddings", true), c.json());
    }

    @Override
    public String modelType() {
        return "bart";
    }

    /** The encoder's layers (transformers' num_hidden_layers). */
    @Override
    public int numLayers() {
        return encoderLayers;
    }

    /** The encoder's heads (transformers' num_attention_heads). */
    @Override
    public int numHeads() {
        return encoderHeads;
    }

    @Override
    public double initializerRange() {
        return initStd;
    }

    public int encoderHeadDim() {
        return hiddenSize / encoderHeads;
    }

    public int decoderHeadDim() {
        return hiddenSize / decoderHeads;
    }

    /** What token embeddings from ids are multiplied by: sqrt(d_model) with scale_embedding, else 1. */
    public double embedScale() {
        return scaleEmbedding ? Math.sqrt(hiddenSize) : 1.0;
    }

    /** The same config with every dropout probability (and layer drop) set to {@code p} (0 for deterministic tests). */
    public BartConfig withDropout(double p) {
        return new BartConfig(vocabSize, maxPositions, hiddenSize, encoderLayers, decoderLayers, encoderHeads,
                decoderHeads, encoderFfnDim, decoderFfnDim, activation, p, p, p, p, p, initStd, scaleEmbedding,
                padTokenId, bosTokenId, eosTokenId, decoderStartTokenId, tieWordEmbeddings, json);
    }

    /** The same config with another number of decoder layers and decoder heads. */
    public BartConfig withDecoder(int layers, int heads, int ffnDim) {
        return new BartConfig(vocabSize, maxPositions, hiddenSize, encoderLayers, layers, encoderHeads, heads,
                encoderFfnDim, ffnDim, activation, dropout, attentionDropout, activationDropout, encoderLayerDrop,
                decoderLayerDrop, initStd, scaleEmbedding, padTokenId, bosTokenId, eosTokenId, decoderStartTokenId,
                tieWordEmbeddings, json);
    }

    /** The same config with scale_embedding on or off. */
    public BartConfig withScaleEmbedding(boolean on) {
        return new BartConfig(vocabSize, maxPositions, hiddenSize, encoderLayers, decoderLayers, encoderHeads,
                decoderHeads, encoderFfnDim, decoderFfnDim, activation, dropout, attentionDropout, activationDropout,
                encoderLayerDrop, decoderLayerDrop, initStd, on, padTokenId, bosTokenId, eosTokenId,
                decoderStartTokenId, tieWordEmbeddings, json);
    }

    @Override
    public JsonObject toJson() {
        JsonObject out = ConfigJson.copyOf(json);
        out.addProperty("model_type", "bart");
        out.addProperty("vocab_size", vocabSize);
        out.addProperty("max_position_embeddings", maxPositions);
        out.addProperty("d_model", hiddenSize);
        out.addProperty("encoder_layers", encoderLayers);
        out.addProperty("decoder_layers", decoderLayers);
        out.addProperty("encoder_attention_heads", encoderHeads);
        out.addProperty("decoder_attention_heads", decoderHeads);
        out.addProperty("encoder_ffn_dim", encoderFfnDim);
        out.addProperty("decoder_ffn_dim", decoderFfnDim);
        out.addProperty("activation_function", activation.huggingFaceName());
        out.addProperty("dropout", dropout);
        out.addProperty("attention_dropout", attentionDropout);
        out.addProperty("activation_dropout", activationDropout);
        out.addProperty("encoder_layerdrop", encoderLayerDrop);
        out.addProperty("decoder_layerdrop", decoderLayerDrop);
        out.addProperty("init_std", initStd);
        out.addProperty("scale_embedding", scaleEmbedding);
        out.addProperty("pad_token_id", padTokenId);
        out.addProperty("bos_token_id", bosTokenId);
        out.addProperty("eos_token_id", eosTokenId);
        out.addProperty("decoder_start_token_id", decoderStartTokenId);
        out.addProperty("is_encoder_decoder", true);
        out.addProperty("tie_word_embeddings", tieWordEmbeddings);
        return out;
    }
}
