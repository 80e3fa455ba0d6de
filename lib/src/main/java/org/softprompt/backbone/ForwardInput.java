package org.softprompt.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Everything a forward pass takes, shared by the three backbones. Start from {@link #ofIds}, {@link #ofEmbeds} or
 * {@link #ofPixels} and add what you need; each {@code with...} returns a new input.
 *
 * <pre>{@code
 * ForwardOutput out = gpt2.forward(ForwardInput.ofIds(ids).withAttentionMask(mask).withPrefixes(prefixes));
 * }</pre>
 *
 * <p>Outputs live in the manager of the primary input ({@code inputIds}, {@code inputsEmbeds} or
 * {@code pixelValues}); intermediates are freed before {@code forward} returns.
 *
 * @param inputIds token ids [B, T] (int64 or int32)
 * @param inputsEmbeds [B, T, hidden] instead of ids: bypasses the token embedding (position and token-type
 *     embeddings are still added), e.g. for P-tuning's or prompt tuning's soft tokens
 * @param pixelValues ViT images [B, channels, height, width]
 * @param attentionMask [B, S + T'] with 1 to attend and 0 for padding, where S is the cached length and T' the length
 *     after {@link Hooks#afterEmbeddings}; null means attend to all
 * @param tokenTypeIds [B, T] segment ids (BERT; GPT-2 adds them through its token embedding as transformers does);
 *     null means zeros (BERT) or none (GPT-2)
 * @param positionIds [B or 1, T]; null means S, S+1, ... (RoBERTa: derived from the ids' padding, as transformers)
 * @param prefixes per-layer key/value prefixes, or null
 * @param cache a cache to read past keys/values from and append to (GPT-2, BERT with is_decoder), or null
 * @param hooks hook points for prompt methods and adapters; never null ({@link Hooks#NONE})
 * @param training dropout on (the config's probabilities, drawn from the engine's random generator, so
 *     {@code Engine.setRandomSeed} makes it repeatable); false: no dropout
 * @param outputHiddenStates also return every layer's input and the final hidden states
 * @param computeLogits compute the task head (LM/MLM logits, ViT classifier); false saves the vocabulary projection
 */
public record ForwardInput(NDArray inputIds, NDArray inputsEmbeds, NDArray pixelValues, NDArray attentionMask,
                           NDArray tokenTypeIds, NDArray positionIds, LayerPrefixes prefixes, KvCache cache,
                           Hooks hooks, boolean training, boolean outputHiddenStates, boolean computeLogits) {

    public ForwardInput {
        int primaries = (inputIds != null ? 1 : 0) + (inputsEmbeds != null ? 1 : 0) + (pixelValues != null ? 1 : 0);
        if (primaries != 1) {
            throw new IllegalArgumentException("give exactly one of inputIds, inputsEmbeds and pixelValues");
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

    public ForwardInput withAttentionMask(NDArray mask) {
        return new ForwardInput(inputIds, inputsEmbeds, pixelValues, mask, tokenTypeIds, positionIds, prefixes,
                cache, hooks, training, outputHiddenStates, computeLogits);
    }

    public ForwardInput withTokenTypeIds(NDArray ids) {
        return new ForwardInput(inputIds, inputsEmbeds, pixelValues, attentionMask, ids, positionIds, prefixes,
                cache, hooks, training, outputHiddenStates, computeLogits);
    }

    public ForwardInput withPositionIds(NDArray ids) {
        return new ForwardInput(inputIds, inputsEmbeds, pixelValues, attentionMask, tokenTypeIds, ids, prefixes,
                cache, hooks, training, outputHiddenStates, computeLogits);
    }

    public ForwardInput withPrefixes(LayerPrefixes layerPrefixes) {
        return new ForwardInput(inputIds, inputsEmbeds, pixelValues, attentionMask, tokenTypeIds, positionIds,
                layerPrefixes, cache, hooks, training, outputHiddenStates, computeLogits);
    }

    public ForwardInput withCache(KvCache kvCache) {
        return new ForwardInput(inputIds, inputsEmbeds, pixelValues, attentionMask, tokenTypeIds, positionIds,
                prefixes, kvCache, hooks, training, outputHiddenStates, computeLogits);
    }

    public ForwardInput withHooks(Hooks newHooks) {
        return new ForwardInput(inputIds, inputsEmbeds, pixelValues, attentionMask, tokenTypeIds, positionIds,
                prefixes, cache, newHooks, training, outputHiddenStates, computeLogits);
    }

    /** Dropout on (true) or off. */
    public ForwardInput withTraining(boolean on) {
        return new ForwardInput(inputIds, inputsEmbeds, pixelValues, attentionMask, tokenTypeIds, positionIds,
                prefixes, cache, hooks, on, outputHiddenStates, computeLogits);
    }

    public ForwardInput withHiddenStates(boolean on) {
        return new ForwardInput(inputIds, inputsEmbeds, pixelValues, attentionMask, tokenTypeIds, positionIds,
                prefixes, cache, hooks, training, on, computeLogits);
    }

    public ForwardInput withLogits(boolean on) {
        return new ForwardInput(inputIds, inputsEmbeds, pixelValues, attentionMask, tokenTypeIds, positionIds,
                prefixes, cache, hooks, training, outputHiddenStates, on);
    }

    /** The primary input: ids, embeddings or pixels. */
    public NDArray primary() {
        return inputIds != null ? inputIds : inputsEmbeds != null ? inputsEmbeds : pixelValues;
    }

    /** The manager the outputs will belong to. */
    public NDManager manager() {
        return primary().getManager();
    }

    public long batchSize() {
        return primary().getShape().get(0);
    }
}
