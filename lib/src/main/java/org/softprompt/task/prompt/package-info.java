/**
 * Prompts as templates and verbalizers, shared by P-tuning, manual prompts and null prompts.
 *
 * <p>A {@link org.softprompt.task.prompt.Template} such as {@code "[P][P][P] [MASK] [P][P][P] {x} [P][P][P]"},
 * {@code "{sentence} It was [MASK] ."} or the null prompt {@code "{premise} [MASK] {hypothesis}"} renders an
 * example to token ids ({@link org.softprompt.task.prompt.RenderedPrompt}: pseudo tokens as negative slot ids, the
 * answer position, truncation of the longest field that never drops [MASK]); {@link
 * org.softprompt.task.prompt.PromptBatch} pads rendered prompts and reads the logits at the answer slot ([MASK] for
 * masked LMs, the next token for causal LMs, see {@link org.softprompt.task.prompt.AnswerSlot}); a {@link
 * org.softprompt.task.prompt.Verbalizer} maps labels to single-token words and scores them.
 */
package org.softprompt.task.prompt;
