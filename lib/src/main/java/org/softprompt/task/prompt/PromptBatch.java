package org.softprompt.task.prompt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.List;

import org.softprompt.backbone.ForwardInput;
import org.softprompt.backbone.ForwardOutput;

/**
 * Rendered prompts padded on the right into one batch. The ids keep pseudo tokens as negative slot ids (see
 * {@link RenderedPrompt}), so the batch goes through a prompt method's {@code enter}; a template without pseudo
 * tokens (a manual or null prompt) runs on the bare backbone too.
 *
 * @param inputIds [B, T] int64
 * @param attentionMask [B, T] int64, 1 for tokens and 0 for padding
 * @param answerPositions per row, the position whose logits give the answer
 */
public record PromptBatch(NDArray inputIds, NDArray attentionMask, long[] answerPositions) {

    /** Pads {@code prompts} with {@code padId} to the longest; arrays belong to {@code manager}. */
    public static PromptBatch of(List<RenderedPrompt> prompts, int padId, NDManager manager) {
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("a batch needs at least one prompt");
        }
        int rows = prompts.size();
        int length = prompts.stream().mapToInt(RenderedPrompt::length).max().orElseThrow();
        long[] ids = new long[rows * length];
        long[] mask = new long[rows * length];
        long[] answers = new long[rows];
        for (int row = 0; row < rows; row++) {
            RenderedPrompt prompt = prompts.get(row);
            for (int t = 0; t < length; t++) {
                boolean real = t < prompt.length();
                ids[row * length + t] = real ? prompt.ids()[t] : padId;
                mask[row * length + t] = real ? 1 : 0;
            }
            answers[row] = prompt.answerPosition();
        }
        return new PromptBatch(manager.create(ids, new Shape(rows, length)),
                manager.create(mask, new Shape(rows, length)), answers);
    }

    /** The forward input: ids and attention mask (dropout as {@code training} says). */
    public ForwardInput input(boolean training) {
        return ForwardInput.ofIds(inputIds).withAttentionMask(attentionMask).withTraining(training);
    }

    public int size() {
        return answerPositions.length;
    }

    /** The logits [B, vocab] at each row's answer position. */
    public NDArray answerLogits(ForwardOutput output) {
        NDArray logits = output.logits();
        if (logits == null) {
            throw new IllegalArgumentException("the forward pass computed no logits (a backbone without an LM head, "
                    + "or withLogits(false))");
        }
        long vocab = logits.getShape().get(2);
        NDArray index = logits.getManager().create(answerPositions, new Shape(size(), 1, 1)).broadcast(size(), 1,
                vocab);
        return logits.gather(index, 1).squeeze(1);
    }
}
