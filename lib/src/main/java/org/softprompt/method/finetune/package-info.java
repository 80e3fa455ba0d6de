/**
 * Fine-tuning baselines as {@link org.softprompt.method.TunedModel}s: all weights, or the top k layers' (Li &amp;
 * Liang's FT-top2). These train the backbone's own weights in place.
 */
package org.softprompt.method.finetune;
