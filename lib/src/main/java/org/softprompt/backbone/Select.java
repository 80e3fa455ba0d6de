package org.softprompt.backbone;

import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Predicates over Hugging Face weight names, for {@link Backbone#unfreeze} and optimizer parameter groups. Model
 * specific ones (layers, head, embeddings) are on the model: {@link Backbone#topLayers}, {@link Backbone#taskHead}.
 */
public final class Select {
    private Select() {}

    /** Every bias term, LayerNorm biases included (BitFit trains exactly these). */
    public static Predicate<String> biases() {
        return name -> name.endsWith(".bias") || name.equals("bias");
    }

    /** The LayerNorm weights and biases (GPT-2's ln_1, ln_2, ln_f; BERT's LayerNorm; ViT's layernorm_*). */
    public static Predicate<String> layerNorms() {
        return name -> {
            String lower = name.toLowerCase(Locale.ROOT);
            return lower.contains("layernorm") || lower.contains("layer_norm") || lower.contains(".ln_")
                    || lower.startsWith("ln_");
        };
    }

    /** Exactly these names. */
    public static Predicate<String> named(String... names) {
        Set<String> set = Set.of(names);
        return set::contains;
    }

    /** Names starting with {@code prefix}. */
    public static Predicate<String> startingWith(String prefix) {
        return name -> name.startsWith(prefix);
    }

    public static Predicate<String> all() {
        return name -> true;
    }

    public static Predicate<String> none() {
        return name -> false;
    }
}
