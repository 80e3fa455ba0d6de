/**
 * Visual Prompt Tuning (Jia et al. 2022, "Visual Prompt Tuning", ECCV; official code KMnP/vpt) and the fine-tuning
 * protocols it is compared with, on the toolkit's frozen {@link org.softprompt.backbone.Vit}.
 *
 * <ul>
 *   <li>{@link org.softprompt.method.visual.VisualPrompt}: the builder, e.g.
 *       {@code VisualPrompt.on(vit).length(50).deep().classes(100).build(manager)};</li>
 *   <li>{@link org.softprompt.method.visual.VisualPromptTuning}: the resulting
 *       {@link org.softprompt.method.TunedModel} (prompts through the ViT's hooks, a linear head on the final
 *       [CLS]);</li>
 *   <li>{@link org.softprompt.method.visual.PromptLocation}: prepend (default), add, prepend-pixel,
 *       concat-channel;</li>
 *   <li>{@link org.softprompt.method.visual.VitBaseline}: full fine-tuning, linear probe, partial-1 and bias-only
 *       with the same head.</li>
 * </ul>
 *
 * VPT trains with SGD (momentum 0.9) and a cosine schedule with warm-up in the paper: {@link
 * org.softprompt.train.Sgd} and {@link org.softprompt.train.LearningRateSchedule#cosine}.
 */
package org.softprompt.method.visual;
