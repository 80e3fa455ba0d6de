package org.softprompt.task.prompt;

/** Where a template's answer is read from, which depends on the kind of language model. */
public enum AnswerSlot {
    /** Masked LMs (BERT): [MASK] is a token of the input and the answer is the MLM head's prediction there. */
    MASK_TOKEN,
    /**
     * Causal LMs (GPT-2): [MASK] is not a token; the answer is the next-token prediction at the position just before
     * it, so [MASK] must end the template (what follows could not influence the prediction).
     */
    NEXT_TOKEN;

    /** NEXT_TOKEN for models with causal attention (those that support a KV cache), MASK_TOKEN otherwise. */
    public static AnswerSlot of(org.softprompt.backbone.Backbone backbone) {
        return backbone.supportsCache() ? NEXT_TOKEN : MASK_TOKEN;
    }
}
