package org.softprompt.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;

/** Decoding state outlives each step's scope: the decoders own it in their manager and free what it replaces. */
final class OwnedState {
    private OwnedState() {}

    /** Moves {@code array} out of the current step's scope into {@code owner}. */
    static NDArray keep(NDArray array, NDManager owner) {
        NDScope.unregister(array);
        array.attach(owner);
        return array;
    }

    /** Keeps {@code value} in {@code owner} and frees {@code old} (unless it is the same array). */
    static NDArray replace(NDArray old, NDArray value, NDManager owner) {
        keep(value, owner);
        if (old != null && old != value) {
            old.close();
        }
        return value;
    }
}
