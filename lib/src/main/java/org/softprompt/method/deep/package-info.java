/**
 * Deep and shallow prompt tuning for frozen encoders (and decoders): {@link org.softprompt.method.deep.DeepPrompt}
 * (P-tuning v2: per-layer key/value prompts in all or {@link org.softprompt.method.deep.Layers chosen} layers,
 * optionally {@link org.softprompt.method.Reparam reparameterized} by an MLP) and
 * {@link org.softprompt.method.deep.PromptTuning} (Lester et al.: trainable embeddings prepended to the input).
 * Both are {@link org.softprompt.method.TunedModel}s; pair them with a randomly initialized head from
 * {@link org.softprompt.task.head}.
 */
package org.softprompt.method.deep;
