package org.softprompt.backbone;

import ai.djl.ndarray.NDArray;

/**
 * The decoder's part of an encoder-decoder's forward pass ({@link Bart}), carried by
 * {@link ForwardInput#withDecoder}; the encoder's part is the rest of the {@link ForwardInput}.
 *
 * <pre>{@code
 * DecoderInput decoder = DecoderInput.ofIds(targetIds)
 *         .withPrefixes(decoderPrefixes)          // decoder self-attention
 *         .withCrossPrefixes(crossPrefixes);      // cross-attention, before the encoder positions
 * bart.forward(ForwardInput.ofIds(sourceIds).withAttentionMask(sourceMask).withPrefixes(encoderPrefixes)
 *         .withDecoder(decoder));
 * }</pre>
 *
 * @param inputIds decoder_input_ids [B, T]; with neither ids nor embeddings, the encoder's inputIds shifted right
 *     (decoder_start_token_id first), as transformers' BartModel
 * @param inputsEmbeds decoder_inputs_embeds [B, T, hidden] instead of ids (not multiplied by the embedding scale)
 * @param attentionMask decoder_attention_mask [B, S + T] over cached and current decoder positions, combined with
 *     the causal mask; null means attend to all
 * @param prefixes the decoder self-attention prefixes (one per decoder layer), or null
 * @param crossPrefixes the cross-attention prefixes (one per decoder layer), attended by every decoder query
 *     before the encoder positions, or null
 * @param hooks hook points in the decoder (layer numbers are decoder layers); never null
 */
public record DecoderInput(NDArray inputIds, NDArray inputsEmbeds, NDArray attentionMask, LayerPrefixes prefixes,
                           LayerPrefixes crossPrefixes, Hooks hooks) {

    public DecoderInput {
        if (inputIds != null && inputsEmbeds != null) {
            throw new IllegalArgumentException("give decoder inputIds or inputsEmbeds, not both");
        }
        if (inputIds != null && inputIds.getShape().dimension() != 2) {
            throw new IllegalArgumentException("decoder inputIds must be [batch, length], got " + inputIds.getShape());
        }
        if (inputsEmbeds != null && inputsEmbeds.getShape().dimension() != 3) {
            throw new IllegalArgumentException("decoder inputsEmbeds must be [batch, length, hidden], got "
                    + inputsEmbeds.getShape());
        }
        if (attentionMask != null && attentionMask.getShape().dimension() != 2) {
            throw new IllegalArgumentException("decoder attentionMask must be [batch, length], got "
                    + attentionMask.getShape());
        }
        if (hooks == null) {
            hooks = Hooks.NONE;
        }
    }

    /** Decoder token ids [B, T]. */
    public static DecoderInput ofIds(NDArray inputIds) {
        return new DecoderInput(inputIds, null, null, null, null, Hooks.NONE);
    }

    /** Decoder input embeddings [B, T, hidden] in place of ids. */
    public static DecoderInput ofEmbeds(NDArray inputsEmbeds) {
        return new DecoderInput(null, inputsEmbeds, null, null, null, Hooks.NONE);
    }

    /** The encoder's input ids shifted right (denoising pre-training, and transformers' default). */
    public static DecoderInput shiftedFromEncoderIds() {
        return new DecoderInput(null, null, null, null, null, Hooks.NONE);
    }

    public DecoderInput withAttentionMask(NDArray mask) {
        return new DecoderInput(inputIds, inputsEmbeds, mask, prefixes, crossPrefixes, hooks);
    }

    public DecoderInput withPrefixes(LayerPrefixes selfAttentionPrefixes) {
        return new DecoderInput(inputIds, inputsEmbeds, attentionMask, selfAttentionPrefixes, crossPrefixes, hooks);
    }

    public DecoderInput withCrossPrefixes(LayerPrefixes crossAttentionPrefixes) {
        return new DecoderInput(inputIds, inputsEmbeds, attentionMask, prefixes, crossAttentionPrefixes, hooks);
    }

    public DecoderInput withHooks(Hooks decoderHooks) {
        return new DecoderInput(inputIds, inputsEmbeds, attentionMask, prefixes, crossPrefixes, decoderHooks);
    }
}
