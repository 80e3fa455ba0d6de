package org.softprompt.method.visual;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

/**
 * What a Visual Prompt Tuning model is made of, as written to its config and checkpoints. Build one with
 * {@link VisualPrompt}; {@link #fromJson} reads it back.
 *
 * @param location where the prompts go
 * @param length prompt tokens (prepend), pixel patches (prepend-pixel), extra channels (concat-channel), or
 *     1 + patches (add)
 * @param deep prompts at the input of more than the first layer (the official code's {@code DEEP})
 * @param firstLayer the first layer whose input gets prompts (0: the embedding output)
 * @param endLayer one past the last layer whose input gets prompts; shallow is [0, 1)
 * @param projection the prompt dimension before a trained linear projection to the hidden size, or -1 for none
 *     (prompts are hidden-sized)
 * @param dropout dropout on the prompts while training
 * @param classes outputs of the linear head
 * @param seed seeds the initialization of every trained tensor
 */
public record VisualPromptConfig(PromptLocation location, int length, boolean deep, int firstLayer, int endLayer,
                                 int projection, double dropout, int classes, long seed) {

    public static final String METHOD = "visual-prompt-tuning";

    public VisualPromptConfig {
        if (location == null) {
            throw new IllegalArgumentException("location must be given");
        }
        if (length < 0) {
            throw new IllegalArgumentException("length must be >= 0, got " + length);
        }
        if (firstLayer < 0 || endLayer <= firstLayer) {
            throw new IllegalArgumentException("prompted layers must be a non-empty range, got [" + firstLayer
                    + ", " + endLayer + ")");
        }
        if (!deep && (firstLayer != 0 || endLayer != 1)) {
            throw new IllegalArgumentException("shallow prompts are at the input only, got layers [" + firstLayer
                    + ", " + endLayer + ")");
        }
        if (projection == 0 || projection < -1) {
            throw new IllegalArgumentException("projection must be a positive prompt dimension or -1 for none, got "
                    + projection);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
        }
        if (classes < 1) {
            throw new IllegalArgumentException("classes must be >= 1, got " + classes);
        }
    }

    /** The number of layers whose input gets prompts. */
    public int promptedLayers() {
        return endLayer - firstLayer;
    }

    /** Whether layer {@code layer}'s input gets this model's prompts. */
    public boolean prompts(int layer) {
        return layer >= firstLayer && layer < endLayer;
    }

    public JsonObject toJson() {
        JsonObject json = new JsonObject();
        json.addProperty("method", METHOD);
        json.addProperty("location", location.configName());
        json.addProperty("length", length);
        json.addProperty("deep", deep);
        json.addProperty("first_layer", firstLayer);
        json.addProperty("end_layer", endLayer);
        json.addProperty("projection", projection);
        json.addProperty("dropout", dropout);
        json.addProperty("classes", classes);
        json.addProperty("seed", seed);
        return json;
    }

    /** Reads what {@link #toJson} wrote; a missing or mistyped field fails naming it. */
    public static VisualPromptConfig fromJson(JsonObject json) {
        String method = string(json, "method");
        if (!METHOD.equals(method)) {
            throw new IllegalArgumentException("config field 'method' is '" + method + "', expected '" + METHOD
                    + "'");
        }
        return new VisualPromptConfig(PromptLocation.of(string(json, "location")), (int) number(json, "length"),
                field(json, "deep").getAsBoolean(), (int) number(json, "first_layer"),
                (int) number(json, "end_layer"), (int) number(json, "projection"), number(json, "dropout"),
                (int) number(json, "classes"), field(json, "seed").getAsLong());
    }

    private static JsonElement field(JsonObject json, String name) {
        JsonElement element = json.get(name);
        if (element == null || !element.isJsonPrimitive()) {
            throw new IllegalArgumentException("config field '" + name + "' is missing or not a value in " + json);
        }
        return element;
    }

    private static String string(JsonObject json, String name) {
        return field(json, name).getAsString();
    }

    private static double number(JsonObject json, String name) {
        try {
            return field(json, name).getAsDouble();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("config field '" + name + "' must be a number in " + json, e);
        }
    }
}
