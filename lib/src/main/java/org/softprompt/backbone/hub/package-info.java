/**
 * Checkpoints from the Hugging Face hub. {@link org.softprompt.backbone.hub.HuggingFaceHub#resolve(String)} turns
 * a model id such as {@code "gpt2"} into a local folder with {@code config.json}, safetensors weights and the
 * tokenizer files, using (and filling) the hub cache that Python's huggingface_hub and transformers use, so a
 * model downloaded on either side is found by the other. The network is only used for what the cache lacks;
 * {@code HF_HUB_OFFLINE=1} forbids it altogether.
 */
package org.softprompt.backbone.hub;
