package org.softprompt.method;

import ai.djl.ndarray.NDArray;

import com.google.gson.JsonObject;

import java.util.Map;

import org.softprompt.backbone.Backbone;
import org.softprompt.backbone.ForwardInput;
import org.softprompt.backbone.ForwardOutput;

/**
 * A frozen backbone plus what one parameter-efficient method trains, kept apart as PEFT does: the method's
 * configuration (a readable JSON object, stored in checkpoints) is separate from the way it enters the model
 * ({@link #enter}: prefixes, input embeddings, hooks on a {@link ForwardInput}), and the backbone's code is never
 * touched.
 *
 * <p>Every method of the toolkit (Prefix-Tuning, P-tuning, deep prompts, visual prompts, BitFit, adapters, and the
 * fine-tuning baselines) implements this, so the trainer, checkpoints and experiments treat them alike:
 * <pre>{@code
 * TunedModel tuned = Prefix.on(gpt2).length(10).reparam(Reparam.mlp(512)).build(manager);
 * new Trainer<>(tuned.trainable(), optimizer, (step, batch) -> loss(tuned.forward(input(batch, step)), batch));
 * }</pre>
 */
public interface TunedModel extends AutoCloseable {

    /** The frozen backbone underneath. */
    Backbone backbone();

    /** The tensors this method trains, by name: exactly what a checkpoint stores and an optimizer updates. */
    Map<String, NDArray> trainable();

    /** The method's configuration, e.g. {"method": "prefix-tuning", "length": 10, ...}. */
    JsonObject config();

    /** The forward input with the method's prompts, prefixes or hooks added; the training flag is kept. */
    ForwardInput enter(ForwardInput input);

    /** Runs the backbone with the method entered. */
    default ForwardOutput forward(ForwardInput input) {
        return backbone().forward(enter(input));
    }

    /** The number of trained scalars. */
    default long trainedParameterCount() {
        return trainable().values().stream().mapToLong(NDArray::size).sum();
    }

    /** Frees what the method owns (not the backbone). */
    @Override
    void close();
}
