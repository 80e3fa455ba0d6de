package org.softprompt.method.bitfit;

/** The ways Logan IV et al. (2022) put a few-shot classification task to a masked LM. */
public enum PromptType {
    /** A hand-written template and hand-picked label words (LM-BFF / PET): "{sentence} It was [MASK] ." */
    MANUAL_PROMPT("manual prompt"),
    /** The inputs and [MASK] only, with the manual label words: "{sentence} [MASK]". */
    NULL_PROMPT("null prompt"),
    /** The manual template with arbitrary label words (one random vocabulary word per label, seeded). */
    NULL_VERBALIZER("null verbalizer"),
    /** The null prompt with learned trigger embeddings before [MASK] (the embeddings are trained). */
    PROMPT_TUNING("prompt tuning"),
    /** No prompt: a classifier on [CLS] (BERT's pooler, dropout, a new linear layer), the usual fine-tuning. */
    CLS_HEAD("[CLS] head");

    private final String label;

    PromptType(String label) {
        this.label = label;
    }

    /** A short readable name for tables and plots. */
    public String label() {
        return label;
    }
}
