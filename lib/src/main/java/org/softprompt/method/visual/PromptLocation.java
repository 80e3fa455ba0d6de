package org.softprompt.method.visual;

import java.util.Locale;

/**
 * Where Visual Prompt Tuning puts its prompts (Jia et al. 2022, Sec. 4.3 "Prompt location", Fig. 6), named as in the
 * official code's {@code PROMPT.LOCATION}.
 */
public enum PromptLocation {
    /**
     * The default: prompt tokens inserted after [CLS] and before the patch tokens, after the position embeddings
     * (prompts carry no position embedding). Shallow or deep.
     */
    PREPEND("prepend"),

    /**
     * Prompts added elementwise to the embedded sequence, which keeps its length: one prompt per token, [CLS]
     * included, so the length is 1 + the number of patches (as the official code's {@code "add"}, whose prompt has
     * the position embeddings' shape). Deep add adds fresh prompts to every prompted layer's input.
     */
    ADD("add"),

    /**
     * Learnable pixel patches [channels, p, p * length] cut into {@code length} p x p patches, embedded by the
     * frozen patch embedding (with its bias, without position embeddings) and prepended like {@link #PREPEND}.
     * Shallow only.
     */
    PREPEND_PIXEL("prepend-pixel"),

    /**
     * {@code length} learnable image-sized channels concatenated to the input image; a new patch embedding with
     * channels + length input channels replaces the pretrained one (its image channels and bias start as the
     * pretrained ones, the prompt channels at random) and is trained with the prompt, as the official code's
     * {@code "below"}. The sequence length is unchanged. Shallow only.
     */
    CONCAT_CHANNEL("concat-channel");

    private final String configName;

    PromptLocation(String configName) {
        this.configName = configName;
    }

    /** The name written to the method's config, e.g. "prepend-pixel". */
    public String configName() {
        return configName;
    }

    /** The location called {@code name} in a config ("prepend", "add", "prepend-pixel", "concat-channel"). */
    public static PromptLocation of(String name) {
        String wanted = name.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        for (PromptLocation location : values()) {
            if (location.configName.equals(wanted)) {
                return location;
            }
        }
        throw new IllegalArgumentException("unknown prompt location '" + name
                + "'; expected prepend, add, prepend-pixel or concat-channel");
    }

    /** Whether this location adds tokens to the sequence. */
    public boolean addsTokens() {
        return this == PREPEND || this == PREPEND_PIXEL;
    }

    /** Whether prompts can be given to layers other than the first (the official code's deep variants). */
    public boolean supportsDeep() {
        return this == PREPEND || this == ADD;
    }
}
