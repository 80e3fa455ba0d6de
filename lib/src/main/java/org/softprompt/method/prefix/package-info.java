/**
 * Prefix-Tuning (Li &amp; Liang 2021) and its ablations, all {@link org.softprompt.method.TunedModel}s over a
 * frozen backbone, built with {@link org.softprompt.method.prefix.Prefix#on}:
 * <ul>
 *   <li>{@link org.softprompt.method.prefix.PrefixTuning}: per-layer key/value prefixes from a P x 2Ld table,
 *       optimized directly or through PEFT's PrefixEncoder MLP ({@link org.softprompt.method.Reparam});
 *       PEFT's tensor names, layout and positions (the prefix counts as past tokens), so PEFT's encoder weights and
 *       saved adapters load and give PEFT's logits. {@code collapse()} keeps only the table for deployment;
 *       {@code layerPrefixes} and {@code positionOffset} plug it into {@link
 *       org.softprompt.generate.CausalLmDecoder}.</li>
 *   <li>{@link org.softprompt.method.prefix.EncoderDecoderPrefix}: the encoder-decoder form for BART (Li &amp;
 *       Liang's summarization setting), three prefixes for the encoder, the decoder and the cross-attention, each
 *       with its own table or MLP; {@code decoder(..)} gives a {@link org.softprompt.generate.Seq2SeqDecoder}.</li>
 *   <li>Initialization from real words: the frozen model's keys and values for the words become the prefix
 *       (directly, or by fitting the MLP to them with Adam on the squared error as Li &amp; Liang's code does).</li>
 *   <li>{@link org.softprompt.method.prefix.EmbeddingOnlyPrompt} and {@link org.softprompt.method.prefix.InfixTuning}:
 *       the paper's Table 5 ablations, trainable input embeddings before the text or after the source's
 *       separator.</li>
 *   <li>{@link org.softprompt.method.prefix.PrefixRegistry}: named prefixes of one frozen model serving mixed-task
 *       batches, each row with its own prefix inside attention, for forward passes and beam search.</li>
 *   <li>Saving and loading in PEFT's adapter layout: {@code PrefixTuning.saveAsPeft} and {@code fromPeft}, see
 *       {@link org.softprompt.method.peft.PeftAdapter}.</li>
 * </ul>
 * Source-to-target inputs with the loss on the target come from {@link org.softprompt.task.CausalLmBatch}.
 */
package org.softprompt.method.prefix;
