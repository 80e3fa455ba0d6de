package org.softprompt.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * What every layer's self-attention shares within one forward pass: which keys a query may see (causality, the
 * padding mask, per-layer prefixes) and the KV cache. The models compute q, k and v; this mixes in prefix and cached
 * keys, builds the additive mask, and stages the new keys and values until the pass completes.
 *
 * <p>Key order is [prefix P | cached S | current T]. A query at position S + i sees every prefix position whose mask
 * is 1, and (if causal) cached and current keys up to S + i, each only where the attention mask is 1.
 *
 * <p>An encoder-decoder's cross-attention ({@link #cross}) uses the same prefix and mask logic over
 * [prefix P | encoder positions]: never causal, no self-attention cache (the model keeps the encoder's keys and
 * values in the cache itself, since they do not grow).
 */
final class AttentionContext {
    private final NDManager scope;
    private final boolean causal;
    private final long batch;
    private final long length;
    private final long past;
    /** The number of non-prefix keys: S + T for self-attention, the source length for cross-attention. */
    private final long keyLength;
    private final NDArray attentionMask;
    private final LayerPrefixes prefixes;
    private final KvCache cache;
    private final NDArray[] stagedKeys;
    private final NDArray[] stagedValues;
    /** Additive bias over [cached | current] keys, [B or 1, 1, T, S + T], or null when every key is visible. */
    private final NDArray mainBias;
    private Prefix lastPrefix;
    private NDArray lastPrefixBias;

    /**
     * @param length T, the number of current positions (after the afterEmbeddings hook)
     * @param attentionMask the caller's mask [B, S + T], or null
     */
    AttentionContext(NDManager scope, String model, int numLayers, boolean causal, long batch, long length,
                     NDArray attentionMask, LayerPrefixes prefixes, KvCache cache) {
        this(scope, model, numLayers, causal, batch, length, -1, attentionMask, prefixes, cache);
    }

    /**
     * Cross-attention of {@code length} decoder queries over {@code sourceLength} encoder positions.
     *
     * @param encoderMask the encoder's attention mask [B, sourceLength], or null
     * @param prefixes cross-attention prefixes, attended before the encoder positions
     */
    static AttentionContext cross(NDManager scope, String model, int numLayers, long batch, long length,
                                  long sourceLength, NDArray encoderMask, LayerPrefixes prefixes) {
        return new AttentionContext(scope, model, numLayers, false, batch, length, sourceLength, encoderMask,
                prefixes, null);
    }

    /** @param sourceLength the cross-attention key length, or -1 for self-attention (keys = cached + current) */
    private AttentionContext(NDManager scope, String model, int numLayers, boolean causal, long batch, long length,
                             long sourceLength, NDArray attentionMask, LayerPrefixes prefixes, KvCache cache) {
        this.scope = scope;
        this.causal = causal;
        this.batch = batch;
        this.length = length;
        this.cache = cache;
        this.past = cache == null ? 0 : cache.length();
        this.keyLength = sourceLength >= 0 ? sourceLength : past + length;
        if (cache != null) {
            if (cache.numLayers() != numLayers) {
                throw new IllegalArgumentException("the KV cache has " + cache.numLayers() + " layers; " + model
                        + " has " + numLayers);
            }
            if (!cache.isEmpty() && cache.batchSize() != batch) {
                throw new IllegalArgumentException("the KV cache holds a batch of " + cache.batchSize()
                        + "; this input has " + batch);
            }
        }
        if (prefixes != null && prefixes.numLayers() != numLayers) {
            throw new IllegalArgumentException("prefixes cover " + prefixes.numLayers() + " layers; " + model
                    + " has " + numLayers);
        }
        if (attentionMask != null) {
            Shape s = attentionMask.getShape();
            if (s.get(0) != batch || s.get(1) != keyLength) {
                throw new IllegalArgumentException("attentionMask is " + s + "; expected [" + batch + ", "
                        + keyLength + "] (" + (sourceLength >= 0 ? model + "'s " + sourceLength
                        + " encoder positions" : past + " cached + " + length + " current positions") + ")");
            }
        }
        this.attentionMask = Nn.local(scope, attentionMask);
        this.prefixes = prefixes;
        this.stagedKeys = cache == null ? null : new NDArray[numLayers];
        this.stagedValues = cache == null ? null : new NDArray[numLayers];
        this.mainBias = buildMainBias();
    }

    /** The number of cached positions S before this pass. */
    long pastLength() {
        return past;
    }

    private NDArray buildMainBias() {
        long total = keyLength;
        NDArray allowed = null;
        if (causal && length > 1) {
            NDArray keyPositions = scope.arange(0, (int) total).reshape(1, 1, 1, total);
            NDArray queryPositions = scope.arange((int) past, (int) total).reshape(1, 1, length, 1);
            allowed = keyPositions.lte(queryPositions).toType(DataType.FLOAT32, false);
        }
        if (attentionMask != null) {
            NDArray keep = attentionMask.toType(DataType.FLOAT32, false).reshape(batch, 1, 1, total);
            allowed = allowed == null ? keep : allowed.mul(keep);
        }
        return allowed == null ? null : toBias(allowed);
    }

    /** 1 (attend) to 0 and 0 (ignore) to -Float.MAX_VALUE: large enough that exp underflows to exactly 0. */
    private static NDArray toBias(NDArray allowed) {
        return allowed.sub(1).mul(Float.MAX_VALUE);
    }

    /**
     * softmax attention of layer {@code layer}'s queries over [prefix | cached | current] keys.
     *
     * @param q, k, v this pass's [B, heads, T, headDim]
     */
    NDArray attend(int layer, NDArray q, NDArray k, NDArray v, double divisor, double dropout, boolean training) {
        if (cache != null) {
            if (!cache.isEmpty()) {
                k = Nn.local(scope, cache.key(layer)).concat(k, 2);
                v = Nn.local(scope, cache.value(layer)).concat(v, 2);
            }
            stagedKeys[layer] = k;
            stagedValues[layer] = v;
        }
        Prefix prefix = prefixes == null ? null : prefixes.get(layer);
        NDArray bias = mainBias;
        if (prefix != null && prefix.length() > 0) {
            long heads = k.getShape().get(1);
            long headDim = k.getShape().get(3);
            if (prefix.key().getShape().get(1) != heads || prefix.key().getShape().get(3) != headDim
                    || (prefix.batchSize() != batch && prefix.batchSize() != 1)) {
                throw new IllegalArgumentException("layer " + layer + "'s prefix key is " + prefix.key().getShape()
                        + "; expected [" + batch + " or 1, " + heads + ", P, " + headDim + "]");
            }
            // one prefix shared by every row is broadcast; one per row (or batch 1) is used as it is
            Shape prefixShape = new Shape(batch, heads, prefix.length(), headDim);
            NDArray prefixKey = Nn.local(scope, prefix.key());
            NDArray prefixValue = Nn.local(scope, prefix.value());
            if (prefix.batchSize() != batch) {
                prefixKey = prefixKey.broadcast(prefixShape);
                prefixValue = prefixValue.broadcast(prefixShape);
            }
            k = NDArrays.concat(new NDList(prefixKey, k), 2);
            v = NDArrays.concat(new NDList(prefixValue, v), 2);
            bias = biasWithPrefix(prefix);
        }
        return Nn.attention(q, k, v, bias, divisor, dropout, training);
    }

    /** [B, 1, T, P + S + T]: the prefix part from its mask, then the main bias (or zeros). */
    private NDArray biasWithPrefix(Prefix prefix) {
        if (prefix.mask() == null && mainBias == null) {
            return null;
        }
        if (lastPrefix != null && lastPrefix.length() == prefix.length() && lastPrefix.mask() == prefix.mask()) {
            return lastPrefixBias;
        }
        long p = prefix.length();
        Shape prefixPart = new Shape(batch, 1, length, p);
        NDArray prefixBias = prefix.mask() == null
                ? scope.zeros(prefixPart)
                : toBias(Nn.local(scope, prefix.mask()).toType(DataType.FLOAT32, false)
                        .reshape(prefix.mask().getShape().get(0), 1, 1, p)).broadcast(prefixPart);
        Shape mainPart = new Shape(batch, 1, length, keyLength);
        NDArray main = mainBias == null ? scope.zeros(mainPart) : mainBias.broadcast(mainPart);
        lastPrefix = prefix;
        lastPrefixBias = prefixBias.concat(main, 3);
        return lastPrefixBias;
    }

    /** Hands the staged keys and values to the cache; called once the pass has completed. */
    void commit() {
        if (cache != null) {
            cache.commit(stagedKeys, stagedValues);
        }
    }
}
