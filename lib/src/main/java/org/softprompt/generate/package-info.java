/**
 * Decoding for generation tasks. {@link org.softprompt.generate.Generator} runs greedy decoding or batched beam
 * search (length penalty, minimum and maximum length, banned tokens, EOS, early stopping) over any
 * {@link org.softprompt.generate.Decoder}: {@link org.softprompt.generate.CausalLmDecoder} for GPT-2-style models and
 * {@link org.softprompt.generate.Seq2SeqDecoder} for BART, both on the KV cache, with Prefix-Tuning's per-layer
 * prefixes entering every step. Each decoder also runs uncached (recomputing the whole sequence), which the tests
 * use as the reference the cached path must equal token for token.
 */
package org.softprompt.generate;
