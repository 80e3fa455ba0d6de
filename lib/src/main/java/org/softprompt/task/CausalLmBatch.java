package org.softprompt.task;


import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.List;

import org.softprompt.Tensors;
import org.softprompt.backbone.ForwardInput;
import org.softprompt.task.head.CrossEntropy;

/**
 * Source-to-target pairs as causal language-model inputs, the way Li &amp; Liang train GPT-2 on table-to-text:
 * {@code source SEP target EOS}, with the loss on the target (and EOS) only. Rows are padded on the left (what
 * generation wants: every prompt ends at the last column) or on the right.
 *
 * <ul>
 *   <li>{@link #labels()}: Hugging Face's convention, aligned with the inputs: the token id where the loss applies,
 *       {@link #IGNORE} (-100) elsewhere; {@link #loss} shifts by one as GPT2LMHeadModel does.</li>
 *   <li>{@link #positionIds()}: the cumulative sum of the mask minus one (0 on padding), so a left-padded row's
 *       text starts at position 0 like an unpadded one (a prefix method then adds its offset).</li>
 * </ul>
 * Without targets ({@link #prompts}) the batch holds {@code source SEP}, ready for a decoder.
 */
public final class CausalLmBatch {
    /** The label of positions without loss (PyTorch's cross-entropy ignore_index). */
    public static final long IGNORE = -100;

    public enum Padding { LEFT, RIGHT }

    private final NDArray inputIds;
    private final NDArray attentionMask;
    private final NDArray positionIds;
    private final NDArray labels;
    private final long targetTokens;

    private CausalLmBatch(NDArray inputIds, NDArray attentionMask, NDArray positionIds, NDArray labels,
            long targetTokens) {
        this.inputIds = inputIds;
        this.attentionMask = attentionMask;
        this.positionIds = positionIds;
        this.labels = labels;
        this.targetTokens = targetTokens;
    }

    /**
     * Training pairs: each row is {@code sources[i] ++ separator ++ targets[i] ++ [eos]} (no EOS when eos < 0), with
     * labels on the target and EOS.
     */
    public static CausalLmBatch pairs(List<int[]> sources, List<int[]> targets, int[] separator, int eos, int padId,
            Padding padding, NDManager manager) {
        if (sources.size() != targets.size()) {
            throw new IllegalArgumentException(sources.size() + " sources but " + targets.size() + " targets");
        }
        return build(sources, targets, separator, eos, padId, padding, manager);
    }

    /** Generation prompts {@code source ++ separator}, left-padded; no labels apply. */
    public static CausalLmBatch prompts(List<int[]> sources, int[] separator, int padId, NDManager manager) {
        return build(sources, null, separator, -1, padId, Padding.LEFT, manager);
    }

    private static CausalLmBatch build(List<int[]> sources, List<int[]> targets, int[] separator, int eos,
            int padId, Padding padding, NDManager manager) {
        if (sources.isEmpty()) {
            throw new IllegalArgumentException("a batch needs at least one pair");
        }
        int rows = sources.size();
        int[][] tokens = new int[rows][];
        int[] promptLengths = new int[rows];
        int width = 0;
        for (int r = 0; r < rows; r++) {
            int[] source = sources.get(r);
            int[] target = targets == null ? new int[0] : targets.get(r);
            boolean withEos = targets != null && eos >= 0;
            int[] row = new int[source.length + separator.length + target.length + (withEos ? 1 : 0)];
            System.arraycopy(source, 0, row, 0, source.length);
            System.arraycopy(separator, 0, row, source.length, separator.length);
            System.arraycopy(target, 0, row, source.length + separator.length, target.length);
            if (withEos) {
                row[row.length - 1] = eos;
            }
            if (row.length == 0) {
                throw new IllegalArgumentException("row " + r + " is empty (no source, separator or target)");
            }
            tokens[r] = row;
            promptLengths[r] = source.length + separator.length;
            width = Math.max(width, row.length);
        }
        long[] ids = new long[rows * width];
        long[] mask = new long[rows * width];
        long[] positions = new long[rows * width];
        long[] labels = new long[rows * width];
        long targetTokens = 0;
        for (int r = 0; r < rows; r++) {
            int[] row = tokens[r];
            int offset = padding == Padding.LEFT ? width - row.length : 0;
            for (int j = 0; j < width; j++) {
                int k = r * width + j;
                int t = j - offset;
                boolean real = t >= 0 && t < row.length;
                ids[k] = real ? row[t] : padId;
                mask[k] = real ? 1 : 0;
                positions[k] = real ? t : 0;
                labels[k] = real && t >= promptLengths[r] ? row[t] : IGNORE;
                if (labels[k] != IGNORE) {
                    targetTokens++;
                }
            }
        }
        Shape shape = new Shape(rows, width);
        return new CausalLmBatch(Tensors.longs(manager, ids, shape), Tensors.longs(manager, mask, shape),
                Tensors.longs(manager, positions, shape), Tensors.longs(manager, labels, shape), targetTokens);
    }

    /** [B, T] int64 token ids (padding = the pad id). */
    public NDArray inputIds() {
        return inputIds;
    }

    /** [B, T] int64, 1 on tokens and 0 on padding. */
    public NDArray attentionMask() {
        return attentionMask;
    }

    /** [B, T] int64 positions counted from each row's first token. */
    public NDArray positionIds() {
        return positionIds;
    }

    /** [B, T] int64 target token ids where the loss applies, {@link #IGNORE} elsewhere. */
    public NDArray labels() {
        return labels;
    }

    /** The number of positions with a loss (target tokens plus EOS). */
    public long targetTokenCount() {
        return targetTokens;
    }

    /** Ids, mask and positions as a forward input. */
    public ForwardInput input() {
        return ForwardInput.ofIds(inputIds).withAttentionMask(attentionMask).withPositionIds(positionIds);
    }

    /**
     * The mean next-token cross-entropy over the labeled positions, as GPT2LMHeadModel computes it: logits at t
     * predict the label at t + 1.
     */
    public NDArray loss(NDArray logits) {
        if (logits.getShape().dimension() != 3 || logits.getShape().get(0) != labels.getShape().get(0)
                || logits.getShape().get(1) != labels.getShape().get(1)) {
            throw new IllegalArgumentException("logits must be [" + labels.getShape().get(0) + ", "
                    + labels.getShape().get(1) + ", vocab], got " + logits.getShape());
        }
        if (targetTokens == 0) {
            throw new IllegalStateException("this batch has no labeled positions (a prompt batch?)");
        }
        return CrossEntropy.nextToken(logits, labels, (int) IGNORE);
    }
}
