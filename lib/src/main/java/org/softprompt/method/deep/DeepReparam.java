package org.softprompt.method.deep;

import com.google.gson.JsonObject;

/**
 * How deep prompts are parameterized (P-tuning v2's {@code prefix_projection}). Kept apart from Prefix-Tuning's own
 * reparameterization type: both describe the same idea, but this one follows P-tuning v2's PrefixEncoder exactly.
 *
 * <ul>
 *   <li>{@link #none()}: the prompts are trained directly, an {@code Embedding(P, 2 * layers * hidden)} table.</li>
 *   <li>{@link #mlp(int)}: {@code Embedding(P, hidden) -> Linear(hidden, h) -> tanh -> Linear(h, 2 * layers *
 *       hidden)}, recomputed at every forward pass; after training the output can be kept and the network dropped.
 *   </li>
 * </ul>
 *
 * @param hiddenSize the MLP's middle width ({@code prefix_hidden_size}); 0 for {@link #none()}
 */
public record DeepReparam(int hiddenSize) {

    public DeepReparam {
        if (hiddenSize < 0) {
            throw new IllegalArgumentException("the reparameterization's hidden size must be >= 0, got "
                    + hiddenSize);
        }
    }

    /** No reparameterization: P-tuning v2's default ({@code prefix_projection = False}). */
    public static DeepReparam none() {
        return new DeepReparam(0);
    }

    /** A two-layer tanh MLP of middle width {@code hiddenSize} (P-tuning v2 uses 512). */
    public static DeepReparam mlp(int hiddenSize) {
        if (hiddenSize < 1) {
            throw new IllegalArgumentException("an MLP reparameterization needs a hidden size >= 1, got "
                    + hiddenSize);
        }
        return new DeepReparam(hiddenSize);
    }

    public boolean isMlp() {
        return hiddenSize > 0;
    }

    JsonObject toJson() {
        JsonObject json = new JsonObject();
        json.addProperty("type", isMlp() ? "mlp" : "none");
        if (isMlp()) {
            json.addProperty("hidden_size", hiddenSize);
        }
        return json;
    }

    @Override
    public String toString() {
        return isMlp() ? "mlp(" + hiddenSize + ")" : "none()";
    }
}
