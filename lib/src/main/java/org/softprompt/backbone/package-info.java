/**
 * Frozen pretrained transformers (GPT-2, BERT/RoBERTa, ViT, BART) that compute what Hugging Face transformers computes,
 * written as one readable functional forward pass per model over {@link org.softprompt.backbone.Weights}: the
 * checkpoint's tensors under their Hugging Face names.
 *
 * <h2>Loading and saving</h2>
 * <pre>{@code
 * try (NDManager manager = Engines.newManager();
 *      Backbone model = Backbones.load(Path.of("gpt2"), manager)) {      // config.json + model.safetensors
 *     ForwardOutput out = model.forward(ForwardInput.ofIds(ids).withAttentionMask(mask));
 * }
 * }</pre>
 * Checkpoints are Hugging Face folders with safetensors (single or sharded); pickled {@code .bin} files are refused
 * with conversion instructions. Loading is strict by default: missing, unexpected and mis-shaped tensors fail with
 * a {@link org.softprompt.backbone.CheckpointException} naming them; {@link
 * org.softprompt.backbone.LoadOptions#lenient()} initializes and reports instead. {@code save(dir)} writes the same
 * layout, which transformers' {@code from_pretrained} reads.
 *
 * <h2>Extension points for prompt methods</h2>
 * Methods change what the model computes only through {@link org.softprompt.backbone.ForwardInput}:
 * <ul>
 *   <li>{@code inputsEmbeds}: soft tokens in place of token embeddings (prompt tuning, P-tuning);</li>
 *   <li>{@link org.softprompt.backbone.LayerPrefixes}: per-layer key/value prefixes with their own mask, attended
 *       by every query, also causal ones (Prefix-Tuning, P-tuning v2);</li>
 *   <li>{@link org.softprompt.backbone.Hooks}: afterEmbeddings (may change the length: VPT-shallow),
 *       beforeLayer (VPT-deep), afterAttention and afterFeedForward (adapters, before the residual add);</li>
 *   <li>{@link org.softprompt.backbone.Backbone#unfreeze}: trainable subsets of the weights (BitFit, heads);</li>
 *   <li>{@link org.softprompt.backbone.KvCache}: incremental decoding; prefixes are passed with every call, not
 *       cached.</li>
 * </ul>
 * The encoder-decoder {@link org.softprompt.backbone.Bart} takes the encoder's part in the ForwardInput's own fields
 * and the decoder's in a {@link org.softprompt.backbone.DecoderInput}, so that each attention kind has its prefixes
 * (encoder self-attention, decoder self-attention, cross-attention) and each stack its hooks; its KV cache keeps the
 * decoder's self-attention keys per step and the cross-attention keys once.
 *
 * <h2>Memory</h2>
 * Outputs belong to the manager of the input array; all intermediates of a pass are freed when it returns. Run each
 * step in {@code manager.newSubManager()} so outputs are freed too. Weights live in the model's own sub-manager
 * until {@code close()}.
 */
package org.softprompt.backbone;
