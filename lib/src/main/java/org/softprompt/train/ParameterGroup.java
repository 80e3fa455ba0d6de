package org.softprompt.train;

import java.util.function.Predicate;

/**
 * Parameters (selected by name) that share a learning rate and weight decay, e.g. a prefix's reparameterization
 * network at 5e-5 and a classification head at 1e-3. The first group whose predicate accepts a name wins.
 */
public record ParameterGroup(String name, Predicate<String> members, double learningRate, double weightDecay) {

    public ParameterGroup {
        if (!(learningRate >= 0) || !(weightDecay >= 0)) {
            throw new IllegalArgumentException("parameter group '" + name + "': learningRate and weightDecay must"
                    + " be >= 0, got " + learningRate + " and " + weightDecay);
        }
    }

    /** Every parameter, one rate, one decay. */
    public static ParameterGroup all(double learningRate, double weightDecay) {
        return new ParameterGroup("all", n -> true, learningRate, weightDecay);
    }

    /**
     * Hugging Face's convention: no weight decay for biases and LayerNorm weights. Matches the names of our GPT-2
     * (ln_1, ln_2, ln_f), BERT (LayerNorm) and ViT (layernorm, layernorm_before/after) models.
     */
    public static boolean isBiasOrNorm(String parameterName) {
        String leaf = parameterName.substring(parameterName.lastIndexOf('.') + 1);
        if (leaf.equals("bias") || leaf.equals("beta") || leaf.equals("gamma")) {
            return true;
        }
        String lower = parameterName.toLowerCase(java.util.Locale.ROOT);
        return lower.contains("layernorm") || lower.contains(".ln_") || lower.startsWith("ln_")
                || lower.contains("norm.");
    }

    /** Two groups: decayed weights and undecayed biases/LayerNorm weights, both at {@code learningRate}. */
    public static ParameterGroup[] decayExceptBiasAndNorm(double learningRate, double weightDecay) {
        return new ParameterGroup[] {
            new ParameterGroup("no_decay", ParameterGroup::isBiasOrNorm, learningRate, 0.0),
            new ParameterGroup("decay", n -> true, learningRate, weightDecay)
        };
    }
}
