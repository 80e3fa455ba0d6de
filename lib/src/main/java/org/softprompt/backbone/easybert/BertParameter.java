package org.softprompt.backbone.easybert;

import java.util.ArrayList;
import java.util.List;

/**
 * One parameter of BERT under both names: Google's TensorFlow variable name and the Hugging Face (PyTorch
 * BertForPreTraining / BertForMaskedLM) state-dict name, with the shape Hugging Face expects.
 *
 * <p>TensorFlow dense layers store their kernel as [in, out] and compute x·K; PyTorch's Linear stores [out, in] and
 * computes x·Wᵀ, so kernels are transposed. Embedding tables, LayerNorm vectors and biases keep their layout; so
 * does {@code cls/seq_relationship/output_weights}, which Google's code already stores as [2, hidden].
 *
 * <p>{@code cls.predictions.decoder.weight} (and its bias) are absent on purpose: Hugging Face ties the decoder to
 * the word embeddings (and to {@code cls.predictions.bias}), and save_pretrained omits tied copies, as does this
 * table. A loader of the output ties them, exactly as for a checkpoint saved by transformers.
 *
 * @param tensorFlowName e.g. {@code bert/encoder/layer_3/attention/self/query/kernel} (without any scope prefix)
 * @param huggingFaceName e.g. {@code bert.encoder.layer.3.attention.self.query.weight}
 * @param huggingFaceShape the shape of the converted tensor
 * @param transpose whether the TensorFlow tensor is the transpose of the Hugging Face one
 * @param required false for the pooler and next-sentence head, which BertForMaskedLM does not use
 */
record BertParameter(String tensorFlowName, String huggingFaceName, long[] huggingFaceShape, boolean transpose,
        boolean required) {

    /** The shape the TensorFlow variable must have. */
    long[] tensorFlowShape() {
        return transpose ? new long[] {huggingFaceShape[1], huggingFaceShape[0]} : huggingFaceShape.clone();
    }

    /** Every parameter of a BERT with these dimensions, in a readable order. */
    static List<BertParameter> all(BertDimensions d) {
        List<BertParameter> table = new ArrayList<>();
        long h = d.hiddenSize();
        table.add(plain("bert/embeddings/word_embeddings", "bert.embeddings.word_embeddings.weight", d.vocabSize(), h));
        table.add(plain("bert/embeddings/position_embeddings", "bert.embeddings.position_embeddings.weight",
                d.maxPositions(), h));
        table.add(plain("bert/embeddings/token_type_embeddings", "bert.embeddings.token_type_embeddings.weight",
                d.typeVocabSize(), h));
        layerNorm(table, "bert/embeddings/LayerNorm", "bert.embeddings.LayerNorm", h);
        for (int layer = 0; layer < d.numLayers(); layer++) {
            String tf = "bert/encoder/layer_" + layer + "/";
            String hf = "bert.encoder.layer." + layer + ".";
            for (String projection : List.of("attention/self/query", "attention/self/key", "attention/self/value",
                    "attention/output/dense")) {
                dense(table, tf + projection, hf + projection.replace('/', '.'), h, h, true);
            }
            layerNorm(table, tf + "attention/output/LayerNorm", hf + "attention.output.LayerNorm", h);
            dense(table, tf + "intermediate/dense", hf + "intermediate.dense", d.intermediateSize(), h, true);
            dense(table, tf + "output/dense", hf + "output.dense", h, d.intermediateSize(), true);
            layerNorm(table, tf + "output/LayerNorm", hf + "output.LayerNorm", h);
        }
        dense(table, "bert/pooler/dense", "bert.pooler.dense", h, h, false);
        dense(table, "cls/predictions/transform/dense", "cls.predictions.transform.dense", h, h, true);
        layerNorm(table, "cls/predictions/transform/LayerNorm", "cls.predictions.transform.LayerNorm", h);
        table.add(plain("cls/predictions/output_bias", "cls.predictions.bias", d.vocabSize()));
        table.add(new BertParameter("cls/seq_relationship/output_weights", "cls.seq_relationship.weight",
                new long[] {2, h}, false, false));
        table.add(new BertParameter("cls/seq_relationship/output_bias", "cls.seq_relationship.bias",
                new long[] {2}, false, false));
        return table;
    }

    /** Whether a variable is training state rather than a weight: Adam's slots, the step counter. */
    static boolean isTrainingState(String tensorFlowName) {
        return tensorFlowName.endsWith("/adam_m") || tensorFlowName.endsWith("/adam_v")
                || tensorFlowName.equals("global_step") || tensorFlowName.endsWith("/global_step");
    }

    private static BertParameter plain(String tf, String hf, long... shape) {
        return new BertParameter(tf, hf, shape, false, true);
    }

    private static void dense(List<BertParameter> table, String tf, String hf, long out, long in, boolean required) {
        table.add(new BertParameter(tf + "/kernel", hf + ".weight", new long[] {out, in}, true, required));
        table.add(new BertParameter(tf + "/bias", hf + ".bias", new long[] {out}, false, required));
    }

    private static void layerNorm(List<BertParameter> table, String tf, String hf, long size) {
        table.add(new BertParameter(tf + "/gamma", hf + ".weight", new long[] {size}, false, true));
        table.add(new BertParameter(tf + "/beta", hf + ".bias", new long[] {size}, false, true));
    }
}
