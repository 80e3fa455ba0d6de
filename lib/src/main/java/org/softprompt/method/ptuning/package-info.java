/**
 * P-tuning (Liu et al. 2021, "GPT Understands, Too"): {@link org.softprompt.method.ptuning.PTuning} puts the outputs
 * of a {@link org.softprompt.method.ptuning.PromptEncoder} (bidirectional LSTM + MLP as the official code, MLP only,
 * or none for directly learned embeddings) at a template's pseudo tokens through the backbone's input embeddings.
 * A template without pseudo tokens is a manual or null prompt with nothing to train.
 */
package org.softprompt.method.ptuning;
