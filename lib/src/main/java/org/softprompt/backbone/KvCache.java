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
 */
public final class KvCache implements AutoCloseable {
    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;

    public KvCache(int numLayers, NDManager parent) {
        if (numLayers <= 0) {
            throw new IllegalArgumentException("numLayers must be positive, got " + numLayers);
        }
        this.manager = parent.newSubManager();
        this.keys = new NDArray[numLayers];
        this.values = new NDArray[numLayers];
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
        return keys[0] == null ? -1 : keys[0].getShape().get(0);
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
        for (int layer = 0; layer < keys.length; layer++) {
            if (keys[layer] == null) {
                continue;
            }
            NDArray k = keys[layer].get(rows);
            NDArray v = values[layer].get(rows);
            keep(k);
            keep(v);
            keys[layer].close();
            values[layer].close();
            keys[layer] = k;
            values[layer] = v;
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
        for (int layer = 0; layer < keys.length; layer++) {
            if (keys[layer] != null) {
                keys[layer].close();
                values[layer].close();
                keys[layer] = null;
                values[layer] = null;
            }
        }
    }

    @Override
    public void close() {
        clear();
        manager.close();
    }
}
