package org.softprompt.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.List;

import org.softprompt.backbone.Bart;
import org.softprompt.backbone.DecoderInput;
import org.softprompt.backbone.ForwardInput;
import org.softprompt.backbone.ForwardOutput;
import org.softprompt.backbone.IntraOpThreads;
import org.softprompt.backbone.KvCache;
import org.softprompt.backbone.LayerPrefixes;
import org.softprompt.backbone.Prefix;

/**
 * An encoder-decoder ({@link Bart}) as a {@link Decoder}: {@link #start} encodes the source prompts once and runs the
 * decoder on decoder_start_token_id, so the scores it returns are those of the first generated token; each
 * {@link #next} step then feeds one token per row to the decoder. With the KV cache a step reuses the decoder's
 * past keys and values and the cross-attention keys and values projected by the first step; without it every
 * step recomputes the whole decoder sequence over the stored encoder output (slow, kept as the reference the
 * cached path must equal).
 *
 * <p>Prefix-Tuning's encoder-decoder form enters through three optional prefix sets (Li &amp; Liang): the
 * encoder's self-attention prefixes shape the encoder output at {@link #start}; the decoder's self-attention and
 * the cross-attention prefixes are passed with every decoder step. Prefixes with a batch of one are shared by all
 * rows; with a batch of B they are per source and follow their rows through beam search.
 *
 * <p>Source prompts may be right- or left-padded: the source mask hides padding from the encoder and from the
 * cross-attention, and encoder positions count real tokens only (cumulative sum of the mask minus one), so each
 * source is encoded as if alone. On right-padded sources that equals transformers' positions 0, 1, ... on every
 * real token.
 */
public final class Seq2SeqDecoder implements Decoder, AutoCloseable {
    private final Bart model;
    private final NDManager manager;
    private final boolean useCache;
    private final LayerPrefixes encoderPrefixes;
    private final LayerPrefixes initialDecoderPrefixes;
    private final LayerPrefixes initialCrossPrefixes;
    /** The decoder-side prefixes as the rows stand now (reordered copies, owned here, after a {@link #select}). */
    private LayerPrefixes decoderPrefixes;
    private LayerPrefixes crossPrefixes;
    private KvCache cache;
    /** [rows, source length, hidden], computed once per {@link #start}. */
    private NDArray encoderOutput;
    private NDArray sourceMask;
    /** [rows, decoded length] including the start token; only kept without the cache (it is recomputed whole). */
    private NDArray decoderIds;

    /**
     * @param model the encoder-decoder
     * @param manager the decoding state lives in a sub-manager of it, freed by {@link #close}
     * @param encoderPrefixes encoder self-attention prefixes (one per encoder layer), or null
     * @param decoderPrefixes decoder self-attention prefixes (one per decoder layer), or null
     * @param crossPrefixes cross-attention prefixes (one per decoder layer), or null
     * @param useCache feed one token per step on the decoder's KV cache (else recompute the decoder sequence)
     */
    public Seq2SeqDecoder(Bart model, NDManager manager, LayerPrefixes encoderPrefixes, LayerPrefixes decoderPrefixes,
            LayerPrefixes crossPrefixes, boolean useCache) {
        checkLayers(encoderPrefixes, model.config().encoderLayers(), "encoder prefixes", "encoder");
        checkLayers(decoderPrefixes, model.config().decoderLayers(), "decoder prefixes", "decoder");
        checkLayers(crossPrefixes, model.config().decoderLayers(), "cross-attention prefixes", "decoder");
        this.model = model;
        this.manager = manager.newSubManager();
        this.encoderPrefixes = encoderPrefixes;
        this.initialDecoderPrefixes = decoderPrefixes;
        this.initialCrossPrefixes = crossPrefixes;
        this.decoderPrefixes = decoderPrefixes;
        this.crossPrefixes = crossPrefixes;
        this.useCache = useCache;
    }

    /** A decoder on the KV cache without prefixes. */
    public static Seq2SeqDecoder of(Bart model, NDManager manager) {
        return new Seq2SeqDecoder(model, manager, null, null, null, true);
    }

    private static void checkLayers(LayerPrefixes prefixes, int layers, String what, String stack) {
        if (prefixes != null && prefixes.numLayers() != layers) {
            throw new IllegalArgumentException(what + " cover " + prefixes.numLayers() + " layers; the model's "
                    + stack + " has " + layers);
        }
    }

    /**
     * Encodes the sources and returns the log-probabilities of the first generated token (the decoder's
     * distribution after decoder_start_token_id), [batch, vocab].
     */
    @Override
    public NDArray start(NDArray promptIds, NDArray promptMask) {
        long batch = promptIds.getShape().get(0);
        checkBatch(encoderPrefixes, batch, "encoder");
        checkBatch(initialDecoderPrefixes, batch, "decoder");
        checkBatch(initialCrossPrefixes, batch, "cross-attention");
        restorePrefixes();
        // A copy: the decoder owns (and later frees) its source mask, never the caller's array.
        NDArray mask = promptMask.toType(DataType.INT64, true);
        NDArray positions = mask.cumSum(1).sub(1).maximum(0);
        NDArray encoded = model.encode(ForwardInput.ofIds(promptIds).withAttentionMask(mask)
                .withPositionIds(positions).withPrefixes(encoderPrefixes)).lastHiddenState();
        positions.close();
        encoderOutput = replace(encoderOutput, encoded);
        sourceMask = replace(sourceMask, mask);
        NDArray startColumn = promptIds.getManager().full(new Shape(batch, 1), model.config().decoderStartTokenId(),
                DataType.INT64);
        if (useCache) {
            if (cache != null) {
                cache.close();
            }
            cache = model.newCache(manager);
        } else {
            decoderIds = replace(decoderIds, startColumn.duplicate());
        }
        return decode(startColumn);
    }

    @Override
    public NDArray next(NDArray tokens) {
        if (encoderOutput == null) {
            throw new IllegalStateException("next() before start(): no source has been encoded");
        }
        NDArray column = tokens.toType(DataType.INT64, false).reshape(-1, 1);
        if (useCache) {
            return IntraOpThreads.singleForOneRow(column.getShape().get(0), () -> decode(column));
        }
        NDArray sequence = decoderIds.concat(column, 1);
        // Outputs belong to the decoder ids' manager: the caller's, like the tokens, not this decoder's.
        sequence.attach(column.getManager());
        NDArray logProbs = decode(sequence);
        decoderIds = replace(decoderIds, sequence);
        return logProbs;
    }

    @Override
    public void select(NDArray indices) {
        if (encoderOutput == null) {
            throw new IllegalStateException("select() before start(): there are no rows yet");
        }
        NDArray rows = indices.toType(DataType.INT64, false);
        encoderOutput = replace(encoderOutput, encoderOutput.get(rows));
        sourceMask = replace(sourceMask, sourceMask.get(rows));
        if (decoderIds != null) {
            decoderIds = replace(decoderIds, decoderIds.get(rows));
        }
        if (cache != null) {
            cache.reorder(rows);
        }
        decoderPrefixes = reorder(decoderPrefixes, initialDecoderPrefixes, rows);
        crossPrefixes = reorder(crossPrefixes, initialCrossPrefixes, rows);
    }

    /** Runs the decoder over {@code ids} (the new column, or the whole sequence uncached) on the stored source. */
    private NDArray decode(NDArray ids) {
        DecoderInput decoder = DecoderInput.ofIds(ids).withPrefixes(decoderPrefixes).withCrossPrefixes(crossPrefixes);
        ForwardInput input = ForwardInput.ofEncoderOutput(encoderOutput).withAttentionMask(sourceMask)
                .withDecoder(decoder);
        if (useCache) {
            input = input.withCache(cache);
        }
        ForwardOutput output = model.forward(input);
        NDArray last = output.logits().get(new NDIndex(":, -1, :"));
        NDArray logProbs = last.logSoftmax(1);
        // start() runs outside the search's per-step scopes: free the whole-sequence outputs now, not with the
        // caller's manager (encoderLastHiddenState is the stored encoder output and stays).
        last.close();
        output.logits().close();
        output.lastHiddenState().close();
        return logProbs;
    }

    private static void checkBatch(LayerPrefixes prefixes, long batch, String what) {
        if (prefixes == null) {
            return;
        }
        for (int layer = 0; layer < prefixes.numLayers(); layer++) {
            Prefix p = prefixes.get(layer);
            if (p != null && p.batchSize() != 1 && p.batchSize() != batch) {
                throw new IllegalArgumentException("layer " + layer + "'s " + what + " prefix has a batch of "
                        + p.batchSize() + "; expected 1 (shared) or the " + batch + " source prompts");
            }
        }
    }

    /**
     * Per-row prefixes follow their rows; shared ones (batch 1) stay. Copies made by an earlier select are owned
     * here and freed; the caller's originals are never closed.
     */
    private LayerPrefixes reorder(LayerPrefixes current, LayerPrefixes original, NDArray rows) {
        if (current == null) {
            return null;
        }
        List<Prefix> moved = new ArrayList<>();
        for (int layer = 0; layer < current.numLayers(); layer++) {
            Prefix p = current.get(layer);
            if (p == null || p.batchSize() == 1) {
                moved.add(p);
                continue;
            }
            NDArray mask = p.mask() == null || p.mask().getShape().get(0) == 1 ? p.mask() : keep(p.mask().get(rows));
            moved.add(new Prefix(keep(p.key().get(rows)), keep(p.value().get(rows)), mask));
        }
        if (current != original) {
            freeCopies(current, original);
        }
        return LayerPrefixes.of(moved);
    }

    private void restorePrefixes() {
        if (decoderPrefixes != initialDecoderPrefixes) {
            freeCopies(decoderPrefixes, initialDecoderPrefixes);
            decoderPrefixes = initialDecoderPrefixes;
        }
        if (crossPrefixes != initialCrossPrefixes) {
            freeCopies(crossPrefixes, initialCrossPrefixes);
            crossPrefixes = initialCrossPrefixes;
        }
    }

    /** Closes the per-row copies in {@code copies}: shared prefixes in it are the caller's originals. */
    private static void freeCopies(LayerPrefixes copies, LayerPrefixes original) {
        for (int layer = 0; layer < copies.numLayers(); layer++) {
            Prefix copy = copies.get(layer);
            if (copy == null || copy == original.get(layer) || copy.batchSize() == 1) {
                continue;
            }
            copy.key().close();
            copy.value().close();
            Prefix source = original.get(layer);
            if (copy.mask() != null && (source == null || copy.mask() != source.mask())) {
                copy.mask().close();
            }
        }
    }

    private NDArray keep(NDArray array) {
        return OwnedState.keep(array, manager);
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
