package org.softprompt.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Extra keys and values that one attention layer attends to before the sequence's own (Prefix-Tuning, P-tuning v2).
 * Every query sees every prefix position whose mask is 1, also under causal attention. Prefixes are not part of a
 * {@link KvCache}: pass them with every call (cached decoding with a prefix equals uncached decoding with it).
 * Prefixes do not shift position ids; pass {@link ForwardInput#withPositionIds} for that (PEFT's prefix tuning on
 * GPT-2 starts positions at the prefix length).
 *
 * @param key [B or 1, heads, P, headDim]; a batch of 1 is broadcast over the input's batch
 * @param value the same shape as {@code key}
 * @param mask [B or 1, P], 1 to attend and 0 to ignore; null means all ones
 */
public record Prefix(NDArray key, NDArray value, NDArray mask) {

    public Prefix {
        if (key == null || value == null) {
            throw new IllegalArgumentException("a prefix needs a key and a value");
        }
        Shape k = key.getShape();
        if (k.dimension() != 4 || !k.equals(value.getShape())) {
            throw new IllegalArgumentException("prefix key and value must both be [batch, heads, length, headDim]; "
                    + "got key " + k + " and value " + value.getShape());
        }
        if (mask != null && (mask.getShape().dimension() != 2 || mask.getShape().get(1) != k.get(2)
                || (mask.getShape().get(0) != k.get(0) && mask.getShape().get(0) != 1 && k.get(0) != 1))) {
            throw new IllegalArgumentException("prefix mask must be [batch, " + k.get(2) + "] matching key " + k
                    + "; got " + mask.getShape());
        }
    }

    /** A prefix every query attends to completely. */
    public static Prefix of(NDArray key, NDArray value) {
        return new Prefix(key, value, null);
    }

    /** The number of prefix positions P. */
    public long length() {
        return key.getShape().get(2);
    }

    public long batchSize() {
        return key.getShape().get(0);
    }
}
