package org.softprompt.backbone;

import ai.djl.ndarray.NDArray;

import java.util.List;

/**
 * What a forward pass returns; arrays live in the manager of the input's primary array.
 *
 * @param logits GPT-2: [B, T, vocab]; BERT: the masked-LM head's [B, T, vocab]; ViT: the classifier's [B, labels];
 *     null without a task head or with {@link ForwardInput#withLogits(boolean) withLogits(false)}
 * @param lastHiddenState [B, T, hidden]: GPT-2 after ln_f, BERT the last layer's output, ViT after the final
 *     layernorm (as transformers' last_hidden_state)
 * @param hiddenStates empty unless requested; else numLayers + 1 arrays as transformers' hidden_states: index i is
 *     the input of layer i (index 0 the embedding output), the last is the final one (GPT-2: after ln_f; BERT and
 *     ViT: the last layer's output, before ViT's final layernorm)
 * @param pooledOutput BERT: tanh(dense([CLS])); ViT (ViTModel): tanh(dense([CLS] after layernorm)); null without
 *     a pooler
 * @param cache the input's cache, now holding the current tokens too; null when none was given
 * @param encoderLastHiddenState an encoder-decoder's encoder output [B, source length, hidden] (pass it back with
 *     {@link ForwardInput#ofEncoderOutput} to decode further without re-encoding); null for other models. For an
 *     encoder-decoder, logits, lastHiddenState and hiddenStates are the decoder's.
 * @param encoderHiddenStates an encoder-decoder's encoder hidden states as {@code hiddenStates} (empty unless
 *     requested and the encoder ran)
 */
public record ForwardOutput(NDArray logits, NDArray lastHiddenState, List<NDArray> hiddenStates,
                            NDArray pooledOutput, KvCache cache, NDArray encoderLastHiddenState,
                            List<NDArray> encoderHiddenStates) {
    public ForwardOutput {
        hiddenStates = List.copyOf(hiddenStates);
        encoderHiddenStates = List.copyOf(encoderHiddenStates);
    }

    /** The output of a model without an encoder-decoder split. */
    public ForwardOutput(NDArray logits, NDArray lastHiddenState, List<NDArray> hiddenStates, NDArray pooledOutput,
                         KvCache cache) {
        this(logits, lastHiddenState, hiddenStates, pooledOutput, cache, null, List.of());
    }
}
