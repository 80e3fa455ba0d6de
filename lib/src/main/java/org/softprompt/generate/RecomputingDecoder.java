package org.softprompt.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;

import java.util.Objects;
import java.util.function.Function;

import org.softprompt.backbone.ForwardInput;
import org.softprompt.backbone.ForwardOutput;

/**
 * A causal language model given only as a forward function (ids, mask and positions in, logits out), decoded by
 * running it over the whole sequence at every step. It is how methods that change the input sequence itself decode:
 * the embedding-only and infix ablations of Prefix-Tuning, or adapters and fine-tuned models seen through {@code
 * TunedModel::forward}; none of them keeps a KV cache, and each sees exactly the input it saw in training.
 *
 * <pre>{@code
 * Decoder decoder = new RecomputingDecoder(tuned::forward, manager);
 * List<Generation> out = Generator.generate(decoder, promptIds, promptMask, GenerationConfig.greedy(40, eos));
 * }</pre>
 *
 * Prompts are left-padded; position ids are Hugging Face's (cumulative sum of the mask minus one, 0 on padding), so
 * a method that shifts or extends positions (a prefix counted as past tokens) does so on top of them. Each step
 * costs a full forward pass (quadratic in the length): fine for short outputs, and the reference a cached decoder
 * must equal.
 */
public final class RecomputingDecoder implements Decoder, AutoCloseable {
    private final Function<ForwardInput, ForwardOutput> model;
    private final NDManager manager;
    private NDArray ids;
    private NDArray mask;

    /**
     * @param model the forward pass, e.g. {@code tuned::forward} or {@code backbone::forward}; its logits must be
     *     aligned with the input ids ([batch, length, vocab])
     * @param manager the parent of the manager that holds the decoding state
     */
    public RecomputingDecoder(Function<ForwardInput, ForwardOutput> model, NDManager manager) {
        this.model = Objects.requireNonNull(model, "model");
        this.manager = Objects.requireNonNull(manager, "manager").newSubManager();
    }

    @Override
    public NDArray start(NDArray promptIds, NDArray promptMask) {
        // Copies: the decoder owns (and later frees) its state, never the caller's arrays.
        setIds(promptIds.toType(DataType.INT64, true));
        setMask(promptMask.toType(DataType.INT64, true));
        return logProbsOfLast();
    }

    @Override
    public NDArray next(NDArray tokens) {
        NDArray column = tokens.toType(DataType.INT64, false).reshape(-1, 1);
        setIds(ids.concat(column, 1));
        setMask(mask.concat(column.onesLike(), 1));
        return logProbsOfLast();
    }

    @Override
    public void select(NDArray indices) {
        NDArray rows = indices.toType(DataType.INT64, false);
        setIds(ids.get(rows));
        setMask(mask.get(rows));
    }

    private NDArray logProbsOfLast() {
        NDArray positions = mask.cumSum(1).sub(1).maximum(0);
        ForwardInput input = ForwardInput.ofIds(ids).withAttentionMask(mask).withPositionIds(positions);
        NDArray logits = model.apply(input).logits();
        if (logits == null) {
            throw new IllegalStateException("the model returned no logits; the decoder needs a language-model head");
        }
        return logits.get(new NDIndex(":, -1, :")).logSoftmax(1);
    }

    private void setIds(NDArray value) {
        ids = replace(ids, value);
    }

    private void setMask(NDArray value) {
        mask = replace(mask, value);
    }

    private NDArray replace(NDArray old, NDArray value) {
        return OwnedState.replace(old, value, manager);
    }

    @Override
    public void close() {
        manager.close();
    }
}
