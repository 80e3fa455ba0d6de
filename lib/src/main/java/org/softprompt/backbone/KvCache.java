package org.softprompt.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;

/**
 * The keys and values of past tokens, per layer ([B, heads, S, headDim]), for incremental decoding with a causal
 * model (GPT-2, BERT with is_decoder). A forward pass given a cache attends to the cached tokens and then appends
 * its own keys and values in place; the cache changes only when the pass completes.
 *
 * <p>Prefixes ({@link Prefix}) are not stored here: they are passed with every call. The attention mask of a call
 * covers the cached tokens followed by the current ones, as in Hugging Face. The cache owns its arrays (in a
 * sub-manager of the manager it was created with); close it when decoding ends.
 *
 * <p>An encoder-decoder ({@link Bart}) also keeps each decoder layer's cross-attention keys and values here
 * ([B, heads, source length, headDim]): projected from the encoder output by the first pass and reused by later ones
 * (as Hugging Face's EncoderDecoderCache). {@link #reorder} and {@link #clear} cover them too.
 */
public final class KvCache implements AutoCloseable {
    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;
    private final NDArray[] crossKeys;
    private final NDArray[] crossValues;

    public KvCache(int numLayers, NDManager parent) {
        if (numLayers <= 0) {
            throw new IllegalArgumentException("numLayers must be positive, got " + numLayers);
        }
        this.manager = parent.newSubManager();
        this.keys = new NDArray[numLayers];
        this.values = new NDArray[numLayers];
        this.crossKeys = new NDArray[numLayers];
        this.crossValues = new NDArray[numLayers];
    }

    public int numLayers() {
        return keys.length;
    }

    /** The number of cached tokens S (0 when empty). */
    public long length() {
        return keys[0] == null ? 0 : keys[0].getShape().get(2);
    }

    /** The cached batch size, or -1 when empty. */
    public long batchSize() {
        NDArray any = keys[0] != null ? keys[0] : crossKeys[0];
        return any == null ? -1 : any.getShape().get(0);
    }

    public boolean isEmpty() {
        return keys[0] == null;
    }

    /** The cached keys of {@code layer} [B, heads, S, headDim], or null when empty. */
    public NDArray key(int layer) {
        return keys[layer];
    }

    /** The cached values of {@code layer} [B, heads, S, headDim], or null when empty. */
    public NDArray value(int layer) {
        return values[layer];
    }

    /** Whether cross-attention keys and values are cached (an encoder-decoder after its first cached pass). */
    public boolean hasCrossAttention() {
        return crossKeys[0] != null;
    }

    /** The cached cross-attention keys of decoder layer {@code layer} [B, heads, source length, headDim], or null. */
    public NDArray crossKey(int layer) {
        return crossKeys[layer];
    }

    /** The cached cross-attention values of decoder layer {@code layer}, or null. */
    public NDArray crossValue(int layer) {
        return crossValues[layer];
    }

    /** Stores every layer's cross-attention keys and values, taking ownership; called once per decoding. */
    void commitCross(NDArray[] newKeys, NDArray[] newValues) {
        for (int layer = 0; layer < crossKeys.length; layer++) {
            keep(newKeys[layer]);
            keep(newValues[layer]);
            if (crossKeys[layer] != null) {
                crossKeys[layer].close();
                crossValues[layer].close();
            }
            crossKeys[layer] = newKeys[layer];
            crossValues[layer] = newValues[layer];
        }
    }

    /**
     * Replaces every layer's keys and values by {@code newKeys}/{@code newValues} (past followed by current tokens),
     * taking ownership of them and closing the previous ones. Called by a model once its forward pass succeeded.
     */
    void commit(NDArray[] newKeys, NDArray[] newValues) {
        for (int layer = 0; layer < keys.length; layer++) {
            keep(newKeys[layer]);
            keep(newValues[layer]);
            if (keys[layer] != null) {
                keys[layer].close();
                values[layer].close();
            }
            keys[layer] = newKeys[layer];
            values[layer] = newValues[layer];
        }
    }

    /**
     * Keeps the batch rows {@code rows} (int64 indices into the batch, repeats allowed), e.g. to follow the beams
     * chosen in beam search.
     */
    public void reorder(NDArray rows) {
        reorder(keys, rows);
        reorder(values, rows);
        reorder(crossKeys, rows);
        reorder(crossValues, rows);
    }

    private void reorder(NDArray[] perLayer, NDArray rows) {
        for (int layer = 0; layer < perLayer.length; layer++) {
            if (perLayer[layer] != null) {
                NDArray kept = perLayer[layer].get(rows);
                keep(kept);
                perLayer[layer].close();
                perLayer[layer] = kept;
            }
        }
    }

    /**
     * Takes ownership of an array: into the cache's manager, and out of any enclosing {@link NDScope}, which would
     * otherwise free it when a caller's per-step scope closes (decoding runs each step in a scope).
     */
    private void keep(NDArray array) {
        NDScope.unregister(array);
        array.attach(manager);
    }

    /** Forgets every cached token. */
    public void clear() {
        for (NDArray[] perLayer : new NDArray[][] {keys, values, crossKeys, crossValues}) {
            for (int layer = 0; layer < perLayer.length; layer++) {
                if (perLayer[layer] != null) {
                    perLayer[layer].close();
                    perLayer[layer] = null;
                }
            }
        }
    }

    @Override
    public void close() {
        clear();
        manager.close();
    }
}
