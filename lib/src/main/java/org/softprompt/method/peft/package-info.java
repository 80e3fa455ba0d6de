/**
 * Trained prompts as portable artifacts in Hugging Face PEFT's adapter layout (a folder with
 * {@code adapter_config.json} and {@code adapter_model.safetensors}), so that a prompt trained here loads in PEFT and
 * PEFT's load here; see {@link org.softprompt.method.peft.PeftAdapter}. The methods that map onto PEFT's prompt
 * learning types save and load themselves through it: {@code PrefixTuning} (PREFIX_TUNING), {@code PTuning}
 * (P_TUNING) and {@code PromptTuning} (PROMPT_TUNING).
 */
package org.softprompt.method.peft;
