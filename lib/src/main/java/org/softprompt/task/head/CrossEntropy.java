package org.softprompt.task.head;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/** torch.nn.CrossEntropyLoss with mean reduction and an ignore index. */
public final class CrossEntropy {
    /** transformers' and PyTorch's default ignore index, e.g. for non-first subwords and special tokens. */
    public static final int IGNORE_INDEX = -100;

    private CrossEntropy() {}

    /**
     * The mean of -log softmax(logits)[label] over the positions whose label is not {@code ignoreIndex}; 0 when every
     * position is ignored (PyTorch returns NaN there, which would poison a training run).
     *
     * @param logits [..., C]
     * @param labels the leading shape of {@code logits}, integer class ids in [0, C) or {@code ignoreIndex}
     */
    public static NDArray mean(NDArray logits, NDArray labels, int ignoreIndex) {
        long classes = logits.getShape().get(logits.getShape().dimension() - 1);
        if (labels.getShape().size() * classes != logits.getShape().size()) {
            throw new IllegalArgumentException("labels " + labels.getShape() + " do not match logits "
                    + logits.getShape() + " (expected the logits' shape without the last axis)");
        }
        NDManager caller = logits.getManager();
        // The intermediates ([rows, C] copies and log-probabilities: 200 MB each with a 50k vocabulary and 1k
        // positions) are freed as soon as the loss is computed, not when the caller's step ends; autograd keeps
        // the one it needs for the backward pass.
        try (NDManager scope = caller.newSubManager()) {
            NDArray flatLogits = local(scope, logits).reshape(-1, classes);
            NDArray flatLabels = local(scope, labels).reshape(-1).toType(DataType.INT64, false);
            NDArray kept = flatLabels.neq(ignoreIndex);
            long[] values = flatLabels.toLongArray();
            boolean[] keep = kept.toBooleanArray();
            for (int i = 0; i < values.length; i++) {
                if (keep[i] && (values[i] < 0 || values[i] >= classes)) {
                    throw new IllegalArgumentException("label " + values[i] + " at position " + i + " is outside [0, "
                            + classes + ") and is not the ignore index " + ignoreIndex);
                }
            }
            NDArray weights = kept.toType(DataType.FLOAT32, false);
            NDArray safeLabels = flatLabels.mul(kept.toType(DataType.INT64, false));
            // gather reads one log-probability per row; a one-hot mask would materialize [rows, C] twice more
            NDArray picked = flatLogits.logSoftmax(-1).gather(safeLabels.expandDims(1), 1).squeeze(1);
            NDArray count = weights.sum().maximum(1f);
            NDArray loss = picked.mul(weights).sum().neg().div(count);
            loss.attach(caller);
            return loss;
        }
    }

    /** A view of {@code array} owned by {@code scope}, so that what is computed from it lands in the scope. */
    private static NDArray local(NDManager scope, NDArray array) {
        NDArray view = array.reshape(array.getShape());
        view.attach(scope);
        return view;
    }

    /**
     * GPT2LMHeadModel's language-model loss: the logits at position t predict the label at t + 1, and the mean runs
     * over the labels that are not {@code ignoreIndex}. The labels are aligned with the inputs (Hugging Face's
     * convention). Equal to {@code mean(logits[:, :-1], labels[:, 1:])}, but the label row is shifted instead of the
     * logits: the last position gets {@code ignoreIndex}, so no slice of the [B, T, V] logits exists and the
     * backward pass allocates no [B, T, V] zero tensor to scatter the slice's gradient into (on GPT-2-small at
     * 8 x 128 tokens, each such slice costs a 200 MB zero fill and copy per step; DJL's indexing slices every
     * axis, full or not, so ":, :-1, :" made three).
     *
     * @param logits [B, T, V]
     * @param labels [B, T] token ids aligned with the inputs, or {@code ignoreIndex}
     */
    public static NDArray nextToken(NDArray logits, NDArray labels, int ignoreIndex) {
        Shape shape = logits.getShape();
        if (shape.dimension() != 3 || labels.getShape().dimension() != 2 || labels.getShape().get(0) != shape.get(0)
                || labels.getShape().get(1) != shape.get(1)) {
            throw new IllegalArgumentException("next-token loss needs logits [B, T, V] and labels [B, T], got logits "
                    + shape + " and labels " + labels.getShape());
        }
        NDManager caller = logits.getManager();
        try (NDManager scope = caller.newSubManager()) {
            NDArray ids = local(scope, labels).toType(DataType.INT64, false);
            NDArray last = scope.full(new Shape(shape.get(0), 1), ignoreIndex, DataType.INT64);
            NDArray next = shape.get(1) == 1 ? last
                    : NDArrays.concat(new NDList(ids.get(new NDIndex(":, 1:")), last), 1);
            next.attach(caller);
            return mean(logits, next, ignoreIndex);
        }
    }

    /** {@link #nextToken(NDArray, NDArray, int)} with {@link #IGNORE_INDEX}. */
    public static NDArray nextToken(NDArray logits, NDArray labels) {
        return nextToken(logits, labels, IGNORE_INDEX);
    }

    /** {@link #mean(NDArray, NDArray, int)} with {@link #IGNORE_INDEX}. */
    public static NDArray mean(NDArray logits, NDArray labels) {
        return mean(logits, labels, IGNORE_INDEX);
    }
}
