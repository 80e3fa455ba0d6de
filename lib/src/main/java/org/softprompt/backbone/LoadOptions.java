package org.softprompt.backbone;

/**
 * How to load a checkpoint.
 *
 * @param tolerateMismatches false (the default): any missing, unexpected or mis-shaped tensor fails the load with a
 *     {@link CheckpointException} listing them. True: missing and mis-shaped tensors are freshly initialized
 *     (Hugging Face's initialization), unexpected ones are skipped, and {@link Backbone#loadReport()} lists all of
 *     them; use this e.g. to replace a ViT classifier by one with a new number of labels.
 * @param pooler whether the model has a pooler (BERT, ViT); null: exactly when the checkpoint has one
 * @param taskHead whether the model has its task head (BERT's masked-LM head, ViT's classifier); null: exactly when
 *     the checkpoint has one. GPT-2's LM head is always there (tied to the token embeddings).
 * @param initSeed the seed for tensors that lenient loading initializes
 */
public record LoadOptions(boolean tolerateMismatches, Boolean pooler, Boolean taskHead, long initSeed) {

    /** Fail on any mismatch; parts as in the checkpoint. */
    public static LoadOptions strict() {
        return new LoadOptions(false, null, null, 0);
    }

    /** Initialize what is missing or mis-shaped, skip what is unexpected, and report it. */
    public static LoadOptions lenient() {
        return new LoadOptions(true, null, null, 0);
    }

    public LoadOptions withPooler(boolean present) {
        return new LoadOptions(tolerateMismatches, present, taskHead, initSeed);
    }

    public LoadOptions withTaskHead(boolean present) {
        return new LoadOptions(tolerateMismatches, pooler, present, initSeed);
    }

    public LoadOptions withInitSeed(long seed) {
        return new LoadOptions(tolerateMismatches, pooler, taskHead, seed);
    }
}
