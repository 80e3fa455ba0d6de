package org.softprompt.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.List;

import org.softprompt.backbone.Backbone;
import org.softprompt.backbone.ForwardInput;
import org.softprompt.backbone.ForwardOutput;
import org.softprompt.backbone.IntraOpThreads;
import org.softprompt.backbone.KvCache;
import org.softprompt.backbone.LayerPrefixes;
import org.softprompt.backbone.Prefix;

/**
 * A causal language model (GPT-2, or BERT with is_decoder) as a {@link Decoder}, optionally with per-layer
 * key/value prefixes: the way Prefix-Tuning enters generation. With the KV cache each step feeds one token per
 * row; without it every step recomputes the whole sequence (slow, and kept as the reference that the cached path
 * must equal).
 *
 * <p>Prompts are left-padded; position ids follow Hugging Face's generate (cumulative sum of the mask minus one),
 * shifted by {@code positionOffset} (Prefix-Tuning as PEFT and Li &amp; Liang run it counts the prefix as past
 * tokens: offset = prefix length), or by one offset per prompt when prompts carry prefixes of different lengths (a
 * mixed batch, {@link org.softprompt.method.prefix.PrefixRegistry}). Prefixes with a batch of one are shared by all
 * rows; with a batch of B they are per prompt and follow their rows through beam search.
 */
public final class CausalLmDecoder implements Decoder, AutoCloseable {
    private final Backbone model;
    private final NDManager manager;
    private final boolean useCache;
    private final long positionOffset;
    /** One offset per prompt, or null when {@link #positionOffset} applies to all. */
    private final long[] promptPositionOffsets;
    /** [rows, 1]: the current rows' offsets (reordered by select), or null. */
    private NDArray rowOffsets;
    /** The caller's prefixes (never closed here) and the ones currently in use (reordered copies after select). */
    private final LayerPrefixes originalPrefixes;
    private LayerPrefixes prefixes;
    private final List<NDArray> ownedPrefixArrays = new ArrayList<>();
    private KvCache cache;
    /** [rows, length so far]: the whole sequence (uncached) or only its mask (cached). */
    private NDArray ids;
    private NDArray mask;
    private NDArray lastPosition;

    public CausalLmDecoder(Backbone model, NDManager manager, LayerPrefixes prefixes, long positionOffset,
            boolean useCache) {
        this(model, manager, prefixes, positionOffset, null, useCache);
    }

    /**
     * A decoder whose prompts' positions are shifted each by its own offset ({@code promptPositionOffsets[b]} for
     * prompt b of the batch given to {@link #start}), e.g. the prefix length of each row's prompt.
     */
    public CausalLmDecoder(Backbone model, NDManager manager, LayerPrefixes prefixes, long[] promptPositionOffsets,
            boolean useCache) {
        this(model, manager, prefixes, 0, promptPositionOffsets.clone(), useCache);
    }

    private CausalLmDecoder(Backbone model, NDManager manager, LayerPrefixes prefixes, long positionOffset,
            long[] promptPositionOffsets, boolean useCache) {
        if (useCache && !model.supportsCache()) {
            throw new IllegalArgumentException(model.architecture() + " has no KV cache (not a causal model)");
        }
        this.model = model;
        this.manager = manager.newSubManager();
        this.originalPrefixes = prefixes;
        this.prefixes = prefixes;
        this.positionOffset = positionOffset;
        this.promptPositionOffsets = promptPositionOffsets;
        this.useCache = useCache;
    }

    /** A decoder on the KV cache without prefixes. */
    public static CausalLmDecoder of(Backbone model, NDManager manager) {
        return new CausalLmDecoder(model, manager, null, 0, true);
    }

    @Override
    public NDArray start(NDArray promptIds, NDArray promptMask) {
        // Copies: the decoder owns (and later frees) its state, never the caller's arrays.
        NDArray maskLong = promptMask.toType(DataType.INT64, true);
        // Hugging Face: position = (number of real tokens so far) - 1, and 1 on padding (it is masked anyway).
        if (promptPositionOffsets != null) {
            if (promptPositionOffsets.length != promptIds.getShape().get(0)) {
                throw new IllegalArgumentException("the decoder has " + promptPositionOffsets.length + " position "
                        + "offsets, one per prompt, but the batch has " + promptIds.getShape().get(0) + " prompts");
            }
            rowOffsets = replace(rowOffsets, manager.create(promptPositionOffsets,
                    new Shape(promptPositionOffsets.length, 1)));
        }
        NDArray positions = shift(maskLong.cumSum(1).sub(1).maximum(0));
        setIds(promptIds.toType(DataType.INT64, true));
        setMask(maskLong);
        setLastPosition(positions.get(new NDIndex(":, -1:")));
        restoreOriginalPrefixes();
        if (useCache) {
            replaceCache();
        }
        return logProbsOfLast(forward(promptIds, positions));
    }

    @Override
    public NDArray next(NDArray tokens) {
        NDArray column = tokens.toType(DataType.INT64, false).reshape(-1, 1);
        setMask(mask.concat(column.onesLike(), 1));
        setLastPosition(lastPosition.add(1));
        if (useCache) {
            return IntraOpThreads.singleForOneRow(column.getShape().get(0),
                    () -> logProbsOfLast(forward(column, lastPosition)));
        }
        setIds(ids.concat(column, 1));
        NDArray positions = shift(mask.cumSum(1).sub(1).maximum(0));
        return logProbsOfLast(forward(ids, positions));
    }

    /** Positions [rows, length] counted from 0, shifted by the offset of each row. */
    private NDArray shift(NDArray positions) {
        return rowOffsets == null ? positions.add(positionOffset) : positions.add(rowOffsets);
    }

    @Override
    public void select(NDArray indices) {
        NDArray rows = indices.toType(DataType.INT64, false);
        setIds(ids.get(rows));
        setMask(mask.get(rows));
        setLastPosition(lastPosition.get(rows));
        if (rowOffsets != null) {
            rowOffsets = replace(rowOffsets, rowOffsets.get(rows));
        }
        if (cache != null) {
            cache.reorder(rows);
        }
        if (prefixes != null) {
            List<NDArray> previouslyOwned = new ArrayList<>(ownedPrefixArrays);
            ownedPrefixArrays.clear();
            List<Prefix> moved = new ArrayList<>();
            for (int layer = 0; layer < prefixes.numLayers(); layer++) {
                Prefix p = prefixes.get(layer);
                if (p == null || p.batchSize() == 1) {
                    moved.add(p);
                } else {
                    moved.add(new Prefix(own(p.key().get(rows)), own(p.value().get(rows)),
                            p.mask() == null || p.mask().getShape().get(0) == 1 ? p.mask() : own(p.mask().get(rows))));
                }
            }
            prefixes = LayerPrefixes.of(moved);
            previouslyOwned.forEach(NDArray::close); // copies from the previous step, never the caller's arrays
        }
    }

    private NDArray forward(NDArray inputIds, NDArray positions) {
        // only the last position's distribution is used: the prompt pass skips the others' vocabulary projection
        ForwardInput input = ForwardInput.ofIds(inputIds).withAttentionMask(mask).withPositionIds(positions)
                .withPrefixes(prefixes).withLogitsToKeep(1);
        if (useCache) {
            input = input.withCache(cache);
        }
        ForwardOutput output = model.forward(input);
        return output.logits();
    }

    private static NDArray logProbsOfLast(NDArray logits) {
        return logits.get(new NDIndex(":, -1, :")).logSoftmax(1);
    }

    private void replaceCache() {
        if (cache != null) {
            cache.close();
        }
        cache = new KvCache(model.numLayers(), manager);
    }

    /** A reordered prefix copy: owned (and freed) by this decoder. */
    private NDArray own(NDArray array) {
        ownedPrefixArrays.add(keep(array));
        return array;
    }

    private void restoreOriginalPrefixes() {
        ownedPrefixArrays.forEach(NDArray::close);
        ownedPrefixArrays.clear();
        prefixes = originalPrefixes;
    }

    private NDArray keep(NDArray array) {
        return OwnedState.keep(array, manager);
    }

    private void setIds(NDArray value) {
        ids = replace(ids, value);
    }

    private void setMask(NDArray value) {
        mask = replace(mask, value);
    }

    private void setLastPosition(NDArray value) {
        lastPosition = replace(lastPosition, value);
    }

    private NDArray replace(NDArray old, NDArray value) {
        return OwnedState.replace(old, value, manager);
    }

    @Override
    public void close() {
        if (cache != null) {
            cache.close();
        }
        manager.close();
    }
}
