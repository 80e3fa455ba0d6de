package org.softprompt.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.List;

/** Moves a forward pass's results out of its scope into the caller's manager before the scope closes. */
final class Outputs {
    private Outputs() {}

    static ForwardOutput of(NDManager caller, NDArray logits, NDArray lastHidden, List<NDArray> hiddenStates,
                            NDArray pooled, KvCache cache) {
        keep(caller, logits);
        keep(caller, lastHidden);
        hiddenStates.forEach(state -> keep(caller, state));
        keep(caller, pooled);
        return new ForwardOutput(logits, lastHidden, hiddenStates, pooled, cache);
    }

    /** An encoder-decoder's outputs: the decoder's, plus the encoder's output and hidden states. */
    static ForwardOutput of(NDManager caller, NDArray logits, NDArray lastHidden, List<NDArray> hiddenStates,
                            KvCache cache, NDArray encoderLastHidden, List<NDArray> encoderHiddenStates) {
        keep(caller, logits);
        keep(caller, lastHidden);
        hiddenStates.forEach(state -> keep(caller, state));
        keep(caller, encoderLastHidden);
        encoderHiddenStates.forEach(state -> keep(caller, state));
        return new ForwardOutput(logits, lastHidden, hiddenStates, null, cache, encoderLastHidden,
                encoderHiddenStates);
    }

    private static void keep(NDManager caller, NDArray array) {
        if (array != null && array.getManager() != caller) {
            array.attach(caller);
        }
    }
}
