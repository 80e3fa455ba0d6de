package org.softprompt.method.prefix;

/**
 * How the prefix is parameterized during training (Li &amp; Liang 2021, section 4.3).
 *
 * <ul>
 *   <li>{@link #none()}: the P x 2Ld table of keys and values is optimized directly (PEFT's PrefixEncoder with
 *       prefix_projection=False). Li &amp; Liang report this as unstable and slightly worse.</li>
 *   <li>{@link #mlp(int)}: P learned vectors of width d pass through Linear(d, k), tanh, Linear(k, 2Ld) (PEFT's
 *       PrefixEncoder with prefix_projection=True and encoder_hidden_size k; Li &amp; Liang use k = 512 for
 *       table-to-text and 800 for summarization). After training only the table is kept ({@link
 *       PrefixTuning#collapse()}).</li>
 * </ul>
 *
 * @param hiddenSize the MLP's middle width k, or 0 for direct optimization
 */
public record Reparam(int hiddenSize) {

    public Reparam {
        if (hiddenSize < 0) {
            throw new IllegalArgumentException("the reparameterization's hidden size must be >= 0, got " + hiddenSize);
        }
    }

    /** Direct optimization of the P x 2Ld table. */
    public static Reparam none() {
        return new Reparam(0);
    }

    /** Embedding(P, d) -> Linear(d, k) -> tanh -> Linear(k, 2Ld). */
    public static Reparam mlp(int hiddenSize) {
        if (hiddenSize <= 0) {
            throw new IllegalArgumentException("Reparam.mlp needs a positive hidden size, got " + hiddenSize);
        }
        return new Reparam(hiddenSize);
    }

    public boolean isMlp() {
        return hiddenSize > 0;
    }

    @Override
    public String toString() {
        return isMlp() ? "mlp(" + hiddenSize + ")" : "none";
    }
}
