/**
 * Training shared by every method and baseline: the {@link org.softprompt.train.Trainer} loop over a name-to-array
 * map of trainable tensors (micro-batches in their own scopes, gradient accumulation, global-norm clipping,
 * evaluation with best-parameter restore and early stopping, a NaN stop that names the step), the optimizers
 * ({@link org.softprompt.train.AdamW}, {@link org.softprompt.train.Sgd}) with parameter groups and learning-rate
 * schedules, and {@link org.softprompt.train.TrainingCheckpoint}: only what a method trains, as safetensors plus
 * readable JSON, with the optimizer state and data position so that a resumed run continues exactly.
 */
package org.softprompt.train;
