package org.softprompt.task.head;

import ai.djl.ndarray.NDArray;

import java.util.Map;

/**
 * A randomly initialized output layer trained together with a prompt (P-tuning v2's heads, used instead of
 * verbalizers). Its tensors go into the optimizer next to the method's: merge {@link #trainable()} with
 * {@link org.softprompt.method.TunedModel#trainable()}.
 */
public interface TaskHead extends AutoCloseable {

    /** The head's tensors by name (transformers' names, e.g. "classifier.weight"). */
    Map<String, NDArray> trainable();

    /** Frees the head's tensors. */
    @Override
    void close();
}
