package org.softprompt.generate;

import ai.djl.ndarray.NDArray;

/**
 * A language model seen one step at a time, as decoding needs it. An implementation owns its KV cache (and any
 * per-row prefix a method adds); the search only asks for next-token scores and tells it which rows survive.
 * Arrays passed in and returned belong to the caller's current scope.
 */
public interface Decoder {

    /**
     * Reads a batch of prompts and returns the log-probabilities of the next token, [batch, vocab].
     *
     * @param promptIds [batch, length] int64, left-padded where prompts differ in length
     * @param promptMask [batch, length], 1 for real tokens and 0 for padding
     */
    NDArray start(NDArray promptIds, NDArray promptMask);

    /** Appends one token per live row ([rows] int64) and returns the next log-probabilities, [rows, vocab]. */
    NDArray next(NDArray tokens);

    /**
     * Keeps rows {@code indices} ([newRows] int64, repeats allowed) of the decoding state, in that order: beam
     * search calls it to expand a prompt into beams and to follow the beams it kept.
     */
    void select(NDArray indices);
}
