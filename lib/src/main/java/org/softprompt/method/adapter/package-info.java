/**
 * Bottleneck adapters (Houlsby et al. 2019) inserted through the backbone's hooks after attention and after the
 * feed-forward sublayer: the adapter baseline of Prefix-Tuning's comparisons, sized to a fraction of the backbone's
 * parameters with {@link org.softprompt.method.adapter.Adapters#bottleneckFor}.
 */
package org.softprompt.method.adapter;
