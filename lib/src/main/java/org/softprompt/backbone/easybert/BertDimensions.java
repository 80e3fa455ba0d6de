package org.softprompt.backbone.easybert;

import java.util.Arrays;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The sizes that define a BERT, read from the checkpoint's own tensor shapes so that nothing is assumed.
 * The one size that no tensor shape reveals, the number of attention heads, comes from Google's model name
 * ({@code ...-L-12-H-768-A-12}: layers, hidden size, attention heads), which is also checked against the shapes.
 */
record BertDimensions(int vocabSize, int hiddenSize, int numLayers, int numHeads, int intermediateSize,
        int maxPositions, int typeVocabSize) {

    private static final Pattern GOOGLE_NAME = Pattern.compile("L-(\\d+)-H-(\\d+)-A-(\\d+)");
    private static final Pattern LAYER = Pattern.compile("^bert/encoder/layer_(\\d+)/");
    /** Every published BERT uses 64-dimensional heads; used only when the model name does not say. */
    private static final int HEAD_SIZE = 64;

    /**
     * @param variables the checkpoint's variables by TensorFlow name (scope prefix removed)
     * @param modelName e.g. {@code bert-cased-L-12-H-768-A-12}
     * @param where names the checkpoint in error messages
     */
    static BertDimensions of(Map<String, BundleEntry> variables, String modelName, String where) {
        long[] words = shape(variables, "bert/embeddings/word_embeddings", 2, where);
        long[] positions = shape(variables, "bert/embeddings/position_embeddings", 2, where);
        long[] types = shape(variables, "bert/embeddings/token_type_embeddings", 2, where);
        long[] intermediate = shape(variables, "bert/encoder/layer_0/intermediate/dense/kernel", 2, where);
        int layers = 1 + variables.keySet().stream()
                .map(LAYER::matcher)
                .filter(Matcher::find)
                .mapToInt(m -> Integer.parseInt(m.group(1)))
                .max()
                .orElseThrow();
        int hidden = Math.toIntExact(words[1]);

        int heads;
        Matcher name = GOOGLE_NAME.matcher(modelName);
        if (name.find()) {
            int namedLayers = Integer.parseInt(name.group(1));
            int namedHidden = Integer.parseInt(name.group(2));
            if (namedLayers != layers || namedHidden != hidden) {
                throw new IllegalStateException(where + ": the model is named " + modelName + " but its tensors "
                        + "have " + layers + " layers of width " + hidden);
            }
            heads = Integer.parseInt(name.group(3));
        } else {
            heads = hidden / HEAD_SIZE;
        }
        if (heads < 1 || hidden % heads != 0) {
            throw new IllegalStateException(where + ": hidden size " + hidden + " is not divisible by " + heads
                    + " attention heads");
        }
        return new BertDimensions(Math.toIntExact(words[0]), hidden, layers, heads,
                Math.toIntExact(intermediate[1]), Math.toIntExact(positions[0]), Math.toIntExact(types[0]));
    }

    private static long[] shape(Map<String, BundleEntry> variables, String name, int rank, String where) {
        BundleEntry entry = variables.get(name);
        if (entry == null) {
            throw new IllegalStateException(where + " has no variable '" + name + "': not a BERT checkpoint");
        }
        if (entry.shape().length != rank) {
            throw new IllegalStateException(where + ": variable '" + name + "' has shape "
                    + Arrays.toString(entry.shape()) + "; expected rank " + rank);
        }
        return entry.shape();
    }
}
