package org.softprompt.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Everything a forward pass takes, shared by the backbones. Start from {@link #ofIds}, {@link #ofEmbeds},
 * {@link #ofPixels} or {@link #ofEncoderOutput} and add what you need; each {@code with...} returns a new input.
 *
 * <pre>{@code
 * ForwardOutput out = gpt2.forward(ForwardInput.ofIds(ids).withAttentionMask(mask).withPrefixes(prefixes));
 * ForwardOutput seq2seq = bart.forward(ForwardInput.ofIds(sourceIds).withAttentionMask(sourceMask)
 *         .withDecoder(DecoderInput.ofIds(targetIds)));
 * }</pre>
 *
 * <p>For an encoder-decoder ({@link Bart}) the fields without "decoder" in their name are the encoder's (as in
 * Hugging Face: input_ids, attention_mask, inputs_embeds, and here the encoder's self-attention prefixes and
 * hooks); {@link #decoder} holds the decoder's, and {@link #cache} is the decoder's cache.
 *
 * <p>Outputs live in the manager of the primary input ({@code inputIds}, {@code inputsEmbeds}, {@code pixelValues}
 * or {@code encoderOutput}), or of the decoder's ids or embeddings when a decoder input has them; intermediates
 * are freed before {@code forward} returns.
 *
 * @param inputIds token ids [B, T] (int64 or int32)
 * @param inputsEmbeds [B, T, hidden] instead of ids: bypasses the token embedding (position and token-type
 *     embeddings are still added), e.g. for P-tuning's or prompt tuning's soft tokens
 * @param pixelValues ViT images [B, channels, height, width]
 * @param attentionMask [B, S + T'] with 1 to attend and 0 for padding, where S is the cached length and T' the length
 *     after {@link Hooks#afterEmbeddings}; null means attend to all. BART: the encoder's mask [B, source length],
 *     which the cross-attention applies too
 * @param tokenTypeIds [B, T] segment ids (BERT; GPT-2 adds them through its token embedding as transformers does);
 *     null means zeros (BERT) or none (GPT-2)
 * @param positionIds [B or 1, T]; null means S, S+1, ... (RoBERTa: derived from the ids' padding, as transformers)
 * @param prefixes per-layer key/value prefixes, or null
 * @param cache a cache to read past keys/values from and append to (GPT-2, BERT with is_decoder, BART's decoder), or
 *     null
 * @param hooks hook points for prompt methods and adapters; never null ({@link Hooks#NONE})
 * @param training dropout on (the config's probabilities, drawn from the engine's random generator, so
 *     {@code Engine.setRandomSeed} makes it repeatable); false: no dropout
 * @param outputHiddenStates also return every layer's input and the final hidden states
 * @param computeLogits compute the task head (LM/MLM logits, ViT classifier); false saves the vocabulary projection
 * @param encoderOutput an encoder-decoder's encoder output [B, source length, hidden] from an earlier pass
 *     ({@link ForwardOutput#encoderLastHiddenState()}), in place of the encoder's inputs: the encoder does not run
 * @param decoder an encoder-decoder's decoder input, or null (Bart then shifts inputIds right, as transformers)
 * @param logitsToKeep 0: logits for every position; n > 0: only for the last n positions (transformers'
 *     {@code logits_to_keep}), e.g. 1 when decoding needs only the next token's distribution. The vocabulary
 *     projection is the largest product of a small language model, so a prompt pass saves most of its cost. ViT's
 *     classifier has no positions and ignores it.
 */
public record ForwardInput(NDArray inputIds, NDArray inputsEmbeds, NDArray pixelValues, NDArray attentionMask,
                           NDArray tokenTypeIds, NDArray positionIds, LayerPrefixes prefixes, KvCache cache,
                           Hooks hooks, boolean training, boolean outputHiddenStates, boolean computeLogits,
                           NDArray encoderOutput, DecoderInput decoder, int logitsToKeep) {

    public ForwardInput {
        if (logitsToKeep < 0) {
            throw new IllegalArgumentException("logitsToKeep must be 0 (all positions) or a positive count, got "
                    + logitsToKeep);
        }
        int primaries = (inputIds != null ? 1 : 0) + (inputsEmbeds != null ? 1 : 0) + (pixelValues != null ? 1 : 0)
                + (encoderOutput != null ? 1 : 0);
        if (primaries != 1) {
            throw new IllegalArgumentException("give exactly one of inputIds, inputsEmbeds, pixelValues and "
                    + "encoderOutput");
        }
        if (encoderOutput != null && encoderOutput.getShape().dimension() != 3) {
            throw new IllegalArgumentException("encoderOutput must be [batch, length, hidden], got "
                    + encoderOutput.getShape());
        }
        if (inputIds != null && inputIds.getShape().dimension() != 2) {
            throw new IllegalArgumentException("inputIds must be [batch, length], got " + inputIds.getShape());
        }
        if (inputsEmbeds != null && inputsEmbeds.getShape().dimension() != 3) {
            throw new IllegalArgumentException("inputsEmbeds must be [batch, length, hidden], got "
                    + inputsEmbeds.getShape());
        }
        if (pixelValues != null && pixelValues.getShape().dimension() != 4) {
            throw new IllegalArgumentException("pixelValues must be [batch, channels, height, width], got "
                    + pixelValues.getShape());
        }
        if (attentionMask != null && attentionMask.getShape().dimension() != 2) {
            throw new IllegalArgumentException("attentionMask must be [batch, length], got "
                    + attentionMask.getShape());
        }
        if (hooks == null) {
            hooks = Hooks.NONE;
        }
    }

    /** The input of the decoder-only and encoder-only backbones (no encoder output, no decoder input). */
    public ForwardInput(NDArray inputIds, NDArray inputsEmbeds, NDArray pixelValues, NDArray attentionMask,
                        NDArray tokenTypeIds, NDArray positionIds, LayerPrefixes prefixes, KvCache cache,
                        Hooks hooks, boolean training, boolean outputHiddenStates, boolean computeLogits) {
        this(inputIds, inputsEmbeds, pixelValues, attentionMask, tokenTypeIds, positionIds, prefixes, cache, hooks,
                training, outputHiddenStates, computeLogits, null, null, 0);
    }

    /** Token ids [B, T]. */
    public static ForwardInput ofIds(NDArray inputIds) {
        return new ForwardInput(inputIds, null, null, null, null, null, null, null, Hooks.NONE, false, false, true);
    }

    /** Input embeddings [B, T, hidden] in place of ids. */
    public static ForwardInput ofEmbeds(NDArray inputsEmbeds) {
        return new ForwardInput(null, inputsEmbeds, null, null, null, null, null, null, Hooks.NONE, false, false,
                true);
    }

    /** Images [B, channels, height, width] for ViT. */
    public static ForwardInput ofPixels(NDArray pixelValues) {
        return new ForwardInput(null, null, pixelValues, null, null, null, null, null, Hooks.NONE, false, false,
                true);
    }

    /**
     * An encoder-decoder's encoder output [B, source length, hidden] from an earlier pass, e.g. to decode step by
     * step without running the encoder again; give the encoder's attention mask with it and a {@link #withDecoder}.
     */
    public static ForwardInput ofEncoderOutput(NDArray encoderOutput) {
        return new ForwardInput(null, null, null, null, null, null, null, null, Hooks.NONE, false, false, true,
                encoderOutput, null, 0);
    }

    /** The decoder's input (encoder-decoder models). */
    public ForwardInput withDecoder(DecoderInput decoderInput) {
        return new ForwardInput(inputIds, inputsEmbeds, pixelValues, attentionMask, tokenTypeIds, positionIds,
                prefixes, cache, hooks, training, outputHiddenStates, computeLogits,
                encoderOutput, decoderInput, logitsToKeep);
    }

    public ForwardInput withAttentionMask(NDArray mask) {
        return new ForwardInput(inputIds, inputsEmbeds, pixelValues, mask, tokenTypeIds, positionIds, prefixes,
                cache, hooks, training, outputHiddenStates, computeLogits, encoderOutput, decoder, logitsToKeep);
    }

    public ForwardInput withTokenTypeIds(NDArray ids) {
        return new ForwardInput(inputIds, inputsEmbeds, pixelValues, attentionMask, ids, positionIds, prefixes,
                cache, hooks, training, outputHiddenStates, computeLogits, encoderOutput, decoder, logitsToKeep);
    }

    public ForwardInput withPositionIds(NDArray ids) {
        return new ForwardInput(inputIds, inputsEmbeds, pixelValues, attentionMask, tokenTypeIds, ids, prefixes,
                cache, hooks, training, outputHiddenStates, computeLogits, encoderOutput, decoder, logitsToKeep);
    }

    public ForwardInput withPrefixes(LayerPrefixes layerPrefixes) {
        return new ForwardInput(inputIds, inputsEmbeds, pixelValues, attentionMask, tokenTypeIds, positionIds,
                layerPrefixes, cache, hooks, training, outputHiddenStates, computeLogits,
                encoderOutput, decoder, logitsToKeep);
    }

    public ForwardInput withCache(KvCache kvCache) {
        return new ForwardInput(inputIds, inputsEmbeds, pixelValues, attentionMask, tokenTypeIds, positionIds,
                prefixes, kvCache, hooks, training, outputHiddenStates, computeLogits,
                encoderOutput, decoder, logitsToKeep);
    }

    public ForwardInput withHooks(Hooks newHooks) {
        return new ForwardInput(inputIds, inputsEmbeds, pixelValues, attentionMask, tokenTypeIds, positionIds,
                prefixes, cache, newHooks, training, outputHiddenStates, computeLogits,
                encoderOutput, decoder, logitsToKeep);
    }

    /** Dropout on (true) or off. */
    public ForwardInput withTraining(boolean on) {
        return new ForwardInput(inputIds, inputsEmbeds, pixelValues, attentionMask, tokenTypeIds, positionIds,
                prefixes, cache, hooks, on, outputHiddenStates, computeLogits, encoderOutput, decoder, logitsToKeep);
    }

    public ForwardInput withHiddenStates(boolean on) {
        return new ForwardInput(inputIds, inputsEmbeds, pixelValues, attentionMask, tokenTypeIds, positionIds,
                prefixes, cache, hooks, training, on, computeLogits, encoderOutput, decoder, logitsToKeep);
    }

    public ForwardInput withLogits(boolean on) {
        return new ForwardInput(inputIds, inputsEmbeds, pixelValues, attentionMask, tokenTypeIds, positionIds,
                prefixes, cache, hooks, training, outputHiddenStates, on, encoderOutput, decoder, logitsToKeep);
    }

    /** Logits for the last {@code count} positions only (0: all); see the record's {@code logitsToKeep}. */
    public ForwardInput withLogitsToKeep(int count) {
        return new ForwardInput(inputIds, inputsEmbeds, pixelValues, attentionMask, tokenTypeIds, positionIds,
                prefixes, cache, hooks, training, outputHiddenStates, computeLogits, encoderOutput, decoder, count);
    }

    /** The primary input: ids, embeddings, pixels or an encoder output. */
    public NDArray primary() {
        return inputIds != null ? inputIds : inputsEmbeds != null ? inputsEmbeds : pixelValues != null ? pixelValues
                : encoderOutput;
    }

    /** The manager the outputs will belong to: the decoder's ids' or embeddings' if given, else the primary's. */
    public NDManager manager() {
        NDArray decoderArray = decoder == null ? null
                : decoder.inputIds() != null ? decoder.inputIds() : decoder.inputsEmbeds();
        return (decoderArray != null ? decoderArray : primary()).getManager();
    }

    public long batchSize() {
        return primary().getShape().get(0);
    }
}
