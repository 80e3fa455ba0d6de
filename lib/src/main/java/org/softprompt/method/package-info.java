/**
 * The parameter-efficient methods, one sub-package per paper, all implementing {@link
 * org.softprompt.method.TunedModel}: a frozen backbone, the few tensors the method trains, its configuration, and
 * the way it enters the forward pass through {@link org.softprompt.backbone.ForwardInput} (input embeddings,
 * per-layer prefixes, hooks), never through model code.
 */
package org.softprompt.method;
