package org.softprompt.backbone;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import java.nio.file.Path;

/**
 * ViT's config.json (transformers' ViTConfig), with its defaults for absent fields.
 *
 * @param hiddenSize hidden_size
 * @param numLayers num_hidden_layers
 * @param numHeads num_attention_heads
 * @param intermediateSize intermediate_size
 * @param activation hidden_act
 * @param hiddenDropout hidden_dropout_prob: after the embeddings and each sublayer's output projection
 * @param attentionDropout attention_probs_dropout_prob
 * @param initializerRange initializer_range
 * @param layerNormEps layer_norm_eps
 * @param imageSize image_size (square images)
 * @param patchSize patch_size
 * @param numChannels num_channels
 * @param qkvBias qkv_bias: query, key and value projections have biases
 * @param numLabels the classifier's outputs: the size of id2label (transformers' num_labels; 2 when absent)
 * @param json the config.json object this was read from (fields not modelled here survive a save); may be null
 */
public record VitConfig(int hiddenSize, int numLayers, int numHeads, int intermediateSize, Activation activation,
                        double hiddenDropout, double attentionDropout, double initializerRange, double layerNormEps,
                        int imageSize, int patchSize, int numChannels, boolean qkvBias, int numLabels,
                        JsonObject json) implements BackboneConfig {

    public VitConfig {
        if (hiddenSize <= 0 || numLayers <= 0 || numHeads <= 0 || intermediateSize <= 0 || imageSize <= 0
                || patchSize <= 0 || numChannels <= 0 || numLabels <= 0) {
            throw new IllegalArgumentException("ViT sizes must be positive: hidden " + hiddenSize + ", layers "
                    + numLayers + ", heads " + numHeads + ", intermediate " + intermediateSize + ", image "
                    + imageSize + ", patch " + patchSize + ", channels " + numChannels + ", labels " + numLabels);
        }
        if (hiddenSize % numHeads != 0) {
            throw new IllegalArgumentException("num_attention_heads (" + numHeads + ") must divide hidden_size ("
                    + hiddenSize + ")");
        }
        if (imageSize % patchSize != 0) {
            throw new IllegalArgumentException("patch_size (" + patchSize + ") must divide image_size ("
                    + imageSize + ")");
        }
    }

    /** A config with transformers' defaults (gelu, dropout 0, eps 1e-12, 3 channels, qkv biases). */
    public static VitConfig of(int imageSize, int patchSize, int hiddenSize, int numLayers, int numHeads,
                               int intermediateSize, int numLabels) {
        return new VitConfig(hiddenSize, numLayers, numHeads, intermediateSize, Activation.GELU, 0, 0, 0.02, 1e-12,
                imageSize, patchSize, 3, true, numLabels, null);
    }

    /** Reads {@code path}: a config.json file or a checkpoint folder holding one. */
    public static VitConfig read(Path path) {
        return fromJson(ConfigJson.read(path));
    }

    /** Parses a config.json object; {@code source} names it in error messages. */
    public static VitConfig fromJson(JsonObject json, String source) {
        return fromJson(new ConfigJson(json, source));
    }

    static VitConfig fromJson(ConfigJson c) {
        c.modelType("vit");
        int hidden = c.positiveInt("hidden_size", 768);
        int heads = c.positiveInt("num_attention_heads", 12);
        if (hidden % heads != 0) {
            throw c.error("num_attention_heads", "is " + heads + ", which does not divide hidden_size = " + hidden);
        }
        int image = c.positiveInt("image_size", 224);
        int patch = c.positiveInt("patch_size", 16);
        if (image % patch != 0) {
            throw c.error("patch_size", "is " + patch + ", which does not divide image_size = " + image);
        }
        int labels;
        JsonElement id2label = c.json().get("id2label");
        if (id2label != null && id2label.isJsonObject()) {
            labels = id2label.getAsJsonObject().size();
            if (labels == 0) {
                throw c.error("id2label", "is empty");
            }
        } else {
            labels = c.positiveInt("num_labels", 2);
        }
        return new VitConfig(hidden, c.positiveInt("num_hidden_layers", 12), heads,
                c.positiveInt("intermediate_size", 3072), c.activation("hidden_act", "gelu"),
                c.probability("hidden_dropout_prob", 0), c.probability("attention_probs_dropout_prob", 0),
                c.number("initializer_range", 0.02), c.number("layer_norm_eps", 1e-12), image, patch,
                c.positiveInt("num_channels", 3), c.bool("qkv_bias", true), labels, c.json());
    }

    @Override
    public String modelType() {
        return "vit";
    }

    /** The number of patches per image. */
    public int numPatches() {
        return (imageSize / patchSize) * (imageSize / patchSize);
    }

    /** The same config with a classifier of {@code labels} outputs (label names become LABEL_0, ... on save). */
    public VitConfig withNumLabels(int labels) {
        return new VitConfig(hiddenSize, numLayers, numHeads, intermediateSize, activation, hiddenDropout,
                attentionDropout, initializerRange, layerNormEps, imageSize, patchSize, numChannels, qkvBias, labels,
                json);
    }

    /** The same config with every dropout probability set to {@code p}. */
    public VitConfig withDropout(double p) {
        return new VitConfig(hiddenSize, numLayers, numHeads, intermediateSize, activation, p, p, initializerRange,
                layerNormEps, imageSize, patchSize, numChannels, qkvBias, numLabels, json);
    }

    @Override
    public JsonObject toJson() {
        JsonObject out = ConfigJson.copyOf(json);
        out.addProperty("model_type", "vit");
        out.addProperty("hidden_size", hiddenSize);
        out.addProperty("num_hidden_layers", numLayers);
        out.addProperty("num_attention_heads", numHeads);
        out.addProperty("intermediate_size", intermediateSize);
        out.addProperty("hidden_act", activation.huggingFaceName());
        out.addProperty("hidden_dropout_prob", hiddenDropout);
        out.addProperty("attention_probs_dropout_prob", attentionDropout);
        out.addProperty("initializer_range", initializerRange);
        out.addProperty("layer_norm_eps", layerNormEps);
        out.addProperty("image_size", imageSize);
        out.addProperty("patch_size", patchSize);
        out.addProperty("num_channels", numChannels);
        out.addProperty("qkv_bias", qkvBias);
        JsonElement names = out.get("id2label");
        if (names == null || !names.isJsonObject() || names.getAsJsonObject().size() != numLabels) {
            JsonObject id2label = new JsonObject();
            JsonObject label2id = new JsonObject();
            for (int i = 0; i < numLabels; i++) {
                id2label.addProperty(String.valueOf(i), "LABEL_" + i);
                label2id.addProperty("LABEL_" + i, i);
            }
            out.add("id2label", id2label);
            out.add("label2id", label2id);
        }
        out.remove("num_labels");
        return out;
    }
}
