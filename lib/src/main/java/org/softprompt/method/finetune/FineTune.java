package org.softprompt.method.finetune;

import ai.djl.ndarray.NDArray;

import com.google.gson.JsonObject;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

import org.softprompt.backbone.Backbone;
import org.softprompt.backbone.ForwardInput;
import org.softprompt.method.TunedModel;

/**
 * The fine-tuning baselines of Li &amp; Liang 2021: all weights ({@link #all}, "FT-full") or only the top layers'
 * ({@link #topLayers}, "FT-top2"). Unlike the other methods this trains the backbone's own weights in place:
 * building it unfreezes the selected weights, {@link #close()} freezes them again (their trained values stay).
 * Load a fresh backbone to compare with other methods afterwards.
 */
public final class FineTune implements TunedModel {
    private final Backbone backbone;
    private final Predicate<String> selection;
    private final String description;
    private final Map<String, NDArray> parameters;

    private FineTune(Backbone backbone, Predicate<String> selection, String description) {
        this.backbone = Objects.requireNonNull(backbone, "backbone");
        this.selection = selection;
        this.description = description;
        backbone.unfreeze(selection);
        Map<String, NDArray> selected = new LinkedHashMap<>();
        backbone.weights().asMap().forEach((name, array) -> {
            if (selection.test(name)) {
                selected.put(name, array);
            }
        });
        if (selected.isEmpty()) {
            throw new IllegalArgumentException("fine-tuning '" + description + "' selects no weight of " + backbone);
        }
        this.parameters = Collections.unmodifiableMap(selected);
    }

    /** Every weight of the model. */
    public static FineTune all(Backbone backbone) {
        return new FineTune(backbone, name -> true, "all");
    }

    /** The weights of the top {@code k} layers (Li &amp; Liang's FT-top2 is k = 2). */
    public static FineTune topLayers(Backbone backbone, int k) {
        if (k <= 0) {
            throw new IllegalArgumentException("topLayers needs k >= 1, got " + k);
        }
        return new FineTune(backbone, backbone.topLayers(k), "top " + k + " layers");
    }

    /** The weights whose Hugging Face names match, e.g. {@code Select.biases()}. */
    public static FineTune of(Backbone backbone, Predicate<String> names, String description) {
        return new FineTune(backbone, names, description);
    }

    @Override
    public Backbone backbone() {
        return backbone;
    }

    @Override
    public Map<String, NDArray> trainable() {
        return parameters;
    }

    @Override
    public JsonObject config() {
        JsonObject json = new JsonObject();
        json.addProperty("method", "fine-tuning");
        json.addProperty("weights", description);
        json.addProperty("backbone", backbone.architecture());
        json.addProperty("fraction_of_backbone",
                (double) trainedParameterCount() / backbone.weights().parameterCount());
        return json;
    }

    /** Nothing to add: the trained weights are the backbone's own. */
    @Override
    public ForwardInput enter(ForwardInput input) {
        return input;
    }

    /** Freezes the selected weights again. */
    @Override
    public void close() {
        backbone.freeze(selection);
    }
}
