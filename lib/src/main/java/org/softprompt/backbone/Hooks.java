package org.softprompt.backbone;

import ai.djl.ndarray.NDArray;

import java.util.List;

/**
 * Where a tuning method changes hidden states inside a forward pass without touching model code. Every method
 * defaults to returning its input, so a method implements only the points it needs.
 *
 * <p>Shapes are [B, T, hidden]. A hook returns either its input or a new array. A new array is moved into the
 * input's manager (the forward pass's scope) and freed with the forward's other intermediates, so never return a
 * parameter itself: return e.g. a concatenation or {@code param.add(0)}. Gradients flow through whatever a hook
 * computes.
 *
 * <p>The four points, in the order of a forward pass:
 * <ol>
 *   <li>{@link #afterEmbeddings}: the embedding output (GPT-2: token + position embeddings after dropout; BERT: after
 *       the embedding LayerNorm and dropout; ViT: [CLS] + patches + position embeddings after dropout). The hook may
 *       change T, e.g. Visual Prompt Tuning inserts prompt tokens after [CLS]. An attention mask must then already
 *       have the length after this hook (plus the cached length).</li>
 *   <li>{@link #beforeLayer}: the input of layer {@code layer} (VPT-deep replaces the prompt slots here). The value
 *       returned is what the layer sees and what {@link ForwardOutput#hiddenStates()} records.</li>
 *   <li>{@link #afterAttention}: the attention sublayer's output after its output projection and dropout, before
 *       it is added to the residual stream (and, in post-LayerNorm BERT, normalized). A Houlsby adapter returns
 *       {@code out + adapter(out)}.</li>
 *   <li>{@link #afterFeedForward}: the feed-forward sublayer's output, the same way (Houlsby and Pfeiffer adapters).
 *   </li>
 * </ol>
 * An encoder-decoder ({@link Bart}) takes one Hooks for its encoder ({@link ForwardInput#hooks()}) and one for its
 * decoder ({@link DecoderInput#hooks()}), each with its own layer numbers; in decoder layers
 * {@link #afterCrossAttention} comes between the self-attention and the feed-forward sublayer.
 */
public interface Hooks {
    /** Hooks that change nothing. */
    Hooks NONE = new Hooks() {};

    default NDArray afterEmbeddings(NDArray hidden) {
        return hidden;
    }

    default NDArray beforeLayer(int layer, NDArray hidden) {
        return hidden;
    }

    default NDArray afterAttention(int layer, NDArray attentionOutput) {
        return attentionOutput;
    }

    default NDArray afterFeedForward(int layer, NDArray feedForwardOutput) {
        return feedForwardOutput;
    }

    /** An encoder-decoder's cross-attention output, after its output projection and dropout (decoder layers only). */
    default NDArray afterCrossAttention(int layer, NDArray crossAttentionOutput) {
        return crossAttentionOutput;
    }

    /** Applies {@code hooks} in order at every point (e.g. VPT prompts plus adapters). */
    static Hooks chain(Hooks... hooks) {
        List<Hooks> all = List.of(hooks);
        return new Hooks() {
            @Override
            public NDArray afterEmbeddings(NDArray hidden) {
                for (Hooks h : all) {
                    hidden = adopt(h.afterEmbeddings(hidden), hidden);
                }
                return hidden;
            }

            @Override
            public NDArray beforeLayer(int layer, NDArray hidden) {
                for (Hooks h : all) {
                    hidden = adopt(h.beforeLayer(layer, hidden), hidden);
                }
                return hidden;
            }

            @Override
            public NDArray afterAttention(int layer, NDArray attentionOutput) {
                for (Hooks h : all) {
                    attentionOutput = adopt(h.afterAttention(layer, attentionOutput), attentionOutput);
                }
                return attentionOutput;
            }

            @Override
            public NDArray afterFeedForward(int layer, NDArray feedForwardOutput) {
                for (Hooks h : all) {
                    feedForwardOutput = adopt(h.afterFeedForward(layer, feedForwardOutput), feedForwardOutput);
                }
                return feedForwardOutput;
            }

            @Override
            public NDArray afterCrossAttention(int layer, NDArray crossAttentionOutput) {
                for (Hooks h : all) {
                    crossAttentionOutput = adopt(h.afterCrossAttention(layer, crossAttentionOutput),
                            crossAttentionOutput);
                }
                return crossAttentionOutput;
            }
        };
    }

    /** Moves a hook's new array into the manager of the array it replaces. */
    private static NDArray adopt(NDArray result, NDArray input) {
        if (result != input && result.getManager() != input.getManager()) {
            result.attach(input.getManager());
        }
        return result;
    }
}
