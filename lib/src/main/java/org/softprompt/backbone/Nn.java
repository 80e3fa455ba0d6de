package org.softprompt.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;

import org.softprompt.Tensors;

/**
 * The functional building blocks of the backbones, as PyTorch computes them in transformers.
 *
 * <p>Memory rule: DJL puts an op's result in the manager of the array the op is called on. Every function here is
 * called on an activation (never on a weight), so results land in the forward pass's scope; user arrays enter the
 * scope through {@link #local}, and weights appear only as arguments.
 */
final class Nn {
    private Nn() {}

    /** A view of a caller's array owned by {@code scope}, so that results computed from it stay in the scope. */
    static NDArray local(NDManager scope, NDArray array) {
        if (array == null) {
            return null;
        }
        NDArray view = array.reshape(array.getShape());
        view.attach(scope);
        return view;
    }

    /** Moves a hook's new array into the manager of the array it replaced. */
    static NDArray adopt(NDArray result, NDArray replaced) {
        if (result == null) {
            throw new IllegalStateException("a hook returned null; return its input to change nothing");
        }
        if (result != replaced && result.getManager() != replaced.getManager()) {
            result.attach(replaced.getManager());
        }
        return result;
    }

    /** torch.nn.Linear: x W^T + b with W [out, in]. */
    static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        if (SingleRowProduct.applies(x, weight, bias)) {
            return SingleRowProduct.linear(x, weight, bias);  // cached decoding of one sequence: use every thread
        }
        return x.getNDArrayInternal().linear(x, weight, bias).singletonOrThrow();
    }

    /**
     * GPT-2's Conv1D: x W + b with W [in, out] (transposed relative to nn.Linear). Computed as torch's linear on a
     * transposed view of W, which is one fused addmm (bias added by the matrix product itself) instead of a product
     * followed by a separate pass for the bias, forwards and backwards.
     */
    static NDArray conv1d(NDArray x, NDArray weight, NDArray bias) {
        // a view of the weight, made per call so that autograd sees the weight's current trainability; it lands in
        // the weight's manager and is moved into the activation's (the forward pass's scope)
        NDArray transposed = weight.transpose();
        transposed.attach(x.getManager());
        return linear(x, transposed, bias);
    }

    /** The last {@code count} positions of [B, T, d] (all of them for 0, or when count >= T), for the task head. */
    static NDArray lastPositions(NDArray hidden, int count) {
        long length = hidden.getShape().get(1);
        return count == 0 || count >= length ? hidden : hidden.get(new NDIndex(":, {}:, :", length - count));
    }

    static NDArray layerNorm(NDArray x, NDArray gamma, NDArray beta, double eps) {
        Shape normalized = new Shape(x.getShape().get(x.getShape().dimension() - 1));
        return x.getNDArrayInternal().layerNorm(x, normalized, gamma, beta, (float) eps).singletonOrThrow();
    }

    /** Rows of {@code table} [V, d] at {@code ids}; the result lives in ids' manager. */
    static NDArray embedding(NDArray ids, NDArray table) {
        return ids.getNDArrayInternal().embedding(ids, table, SparseFormat.DENSE).singletonOrThrow();
    }

    /** Inverted dropout as torch.nn.functional.dropout (kept values scaled by 1/(1-p)); identity unless training. */
    static NDArray dropout(NDArray x, double p, boolean training) {
        if (!training || p == 0) {
            return x;
        }
        return x.getNDArrayInternal().dropout(x, (float) p, true).singletonOrThrow();
    }

    /** [B, T, heads * headDim] to [B, heads, T, headDim]. */
    static NDArray splitHeads(NDArray x, int heads) {
        Shape s = x.getShape();
        return x.reshape(s.get(0), s.get(1), heads, s.get(2) / heads).transpose(0, 2, 1, 3);
    }

    /** [B, heads, T, headDim] to [B, T, heads * headDim]. */
    static NDArray mergeHeads(NDArray x) {
        Shape s = x.getShape();
        return x.transpose(0, 2, 1, 3).reshape(s.get(0), s.get(2), s.get(1) * s.get(3));
    }

    /**
     * softmax(q k^T / divisor + bias) v, with dropout on the probabilities as transformers' eager attention.
     *
     * @param divisor sqrt(headDim) in all three models (GPT-2 may also divide by the layer number)
     * @param bias additive [B or 1, 1, T, K]: 0 where attended, -Float.MAX_VALUE where not; null for none
     */
    static NDArray attention(NDArray q, NDArray k, NDArray v, NDArray bias, double divisor, double dropout,
                             boolean training) {
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2));
        if (divisor != 1) {
            scores = Tensors.dividedBy(scores, divisor);
        }
        if (bias != null) {
            scores = scores.add(bias);
        }
        NDArray probabilities = dropout(scores.softmax(-1), dropout, training);
        return probabilities.matMul(v);
    }
}
