package org.softprompt.backbone;

import com.google.gson.JsonObject;

/** What every backbone's config record has in common; each is read from and written to Hugging Face's config.json. */
public interface BackboneConfig {
    /** config.json's model_type ("gpt2", "bert", "roberta", "vit"). */
    String modelType();

    int hiddenSize();

    int numLayers();

    int numHeads();

    default int headDim() {
        return hiddenSize() / numHeads();
    }

    /** The standard deviation of Hugging Face's normal initialization. */
    double initializerRange();

    /**
     * The config.json content: the fields this record models, over a copy of the JSON it was read from (so fields it
     * does not model, such as token ids or label names, survive a save).
     */
    JsonObject toJson();
}
