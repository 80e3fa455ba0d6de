package org.softprompt.backbone.easybert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.softprompt.Engines;

/**
 * Do the converted numbers make a working BERT? A deliberately plain BERT forward pass written here in Java
 * (Hugging Face's BertForMaskedLM math, independent of the project's model code) fills in
 * "The capital of France is [MASK] ." and must answer Paris.
 */
class BertMaskedLmSanityTest {
    private static final String SENTENCE = "The capital of France is [MASK] .";
    private static final int HEADS = 12;
    private static final float EPS = 1e-12f;

    @ParameterizedTest
    @EnumSource(EasyBertModel.class)
    void fillsInParisAsTheCapitalOfFrance(EasyBertModel model) throws IOException {
        Path dir = RealJars.convertedOrSkip(model);
        List<String> vocab = Files.readAllLines(dir.resolve("vocab.txt"));
        boolean lowerCase = EasyBertImportTest.json(dir.resolve("tokenizer_config.json"))
                .get("do_lower_case").getAsBoolean();

        int[] ids = wordPieceIds(SENTENCE, vocab, lowerCase);
        try (HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(dir)) {
            long[] fast = tokenizer.encode(SENTENCE).getIds();
            assertArrayEquals(Arrays.stream(ids).asLongStream().toArray(), fast,
                    "tokenizer.json must tokenize as BERT's vocab.txt lookup does");
        }
        int mask = IntStream.range(0, ids.length).filter(i -> ids[i] == vocab.indexOf("[MASK]")).findFirst()
                .orElseThrow();

        float[] logits = maskedLmLogits(load(dir), ids, mask, vocab.size());
        Integer[] order = IntStream.range(0, logits.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble(i -> -logits[i]));
        double max = logits[order[0]];
        double sum = 0;
        for (float l : logits) {
            sum += Math.exp(l - max);
        }
        List<String> top5 = new ArrayList<>();
        for (int rank = 0; rank < 5; rank++) {
            int id = order[rank];
            top5.add(String.format(Locale.ROOT, "%s %.3f", vocab.get(id), Math.exp(logits[id] - max) / sum));
        }
        System.out.println(model + " top-5 for '" + SENTENCE + "': " + top5);

        assertEquals(lowerCase ? "paris" : "Paris", vocab.get(order[0]), "top-5: " + top5);
        assertTrue(Math.exp(logits[order[0]] - max) / sum > 0.2, "a confident answer: " + top5);
    }

    /** BERT's tokenization for this simple sentence: whitespace split, then greedy longest-match WordPiece. */
    static int[] wordPieceIds(String text, List<String> vocab, boolean lowerCase) {
        Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < vocab.size(); i++) {
            ids.put(vocab.get(i), i);
        }
        List<Integer> out = new ArrayList<>(List.of(ids.get("[CLS]")));
        for (String word : text.split("\\s+")) {
            if (word.equals("[MASK]")) {
                out.add(ids.get(word));
                continue;
            }
            String rest = lowerCase ? word.toLowerCase(Locale.ROOT) : word;
            String prefix = "";
            while (!rest.isEmpty()) {
                int end = rest.length();
                while (end > 0 && !ids.containsKey(prefix + rest.substring(0, end))) {
                    end--;
                }
                if (end == 0) {
                    throw new IllegalStateException("no WordPiece for '" + rest + "'");
                }
                out.add(ids.get(prefix + rest.substring(0, end)));
                rest = rest.substring(end);
                prefix = "##";
            }
        }
        out.add(ids.get("[SEP]"));
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static Map<String, float[]> load(Path dir) throws IOException {
        Map<String, float[]> weights = new HashMap<>();
        try (NDManager manager = Engines.newManager();
                InputStream in = new BufferedInputStream(Files.newInputStream(dir.resolve("model.safetensors")))) {
            for (NDArray array : NDList.decode(manager, in)) {
                weights.put(array.getName(), array.toFloatArray());
            }
        }
        return weights;
    }

    /** BertForMaskedLM's logits at one position, for one unpadded sentence with token type 0 throughout. */
    static float[] maskedLmLogits(Map<String, float[]> w, int[] ids, int position, int vocabSize) {
        int hidden = w.get("bert.embeddings.LayerNorm.weight").length;
        int n = ids.length;
        float[][] x = new float[n][hidden];
        float[] words = w.get("bert.embeddings.word_embeddings.weight");
        float[] positions = w.get("bert.embeddings.position_embeddings.weight");
        float[] types = w.get("bert.embeddings.token_type_embeddings.weight");
        for (int t = 0; t < n; t++) {
            for (int d = 0; d < hidden; d++) {
                x[t][d] = words[ids[t] * hidden + d] + positions[t * hidden + d] + types[d];
            }
        }
        layerNorm(x, w, "bert.embeddings.LayerNorm");

        for (int layer = 0; w.containsKey("bert.encoder.layer." + layer + ".output.dense.weight"); layer++) {
            String p = "bert.encoder.layer." + layer + ".";
            float[][] q = linear(x, w, p + "attention.self.query");
            float[][] k = linear(x, w, p + "attention.self.key");
            float[][] v = linear(x, w, p + "attention.self.value");
            float[][] context = attention(q, k, v);
            x = add(linear(context, w, p + "attention.output.dense"), x);
            layerNorm(x, w, p + "attention.output.LayerNorm");
            float[][] inner = linear(x, w, p + "intermediate.dense");
            gelu(inner);
            x = add(linear(inner, w, p + "output.dense"), x);
            layerNorm(x, w, p + "output.LayerNorm");
        }

        float[][] head = linear(new float[][] {x[position]}, w, "cls.predictions.transform.dense");
        gelu(head);
        layerNorm(head, w, "cls.predictions.transform.LayerNorm");
        float[] bias = w.get("cls.predictions.bias");
        float[] logits = new float[vocabSize];
        for (int token = 0; token < vocabSize; token++) { // the decoder is tied to the word embeddings
            double dot = bias[token];
            for (int d = 0; d < hidden; d++) {
                dot += head[0][d] * words[token * hidden + d];
            }
            logits[token] = (float) dot;
        }
        return logits;
    }

    /** y = x Wᵀ + b with W stored [out, in], as torch.nn.Linear stores it. */
    private static float[][] linear(float[][] x, Map<String, float[]> w, String name) {
        float[] weight = w.get(name + ".weight");
        float[] bias = w.get(name + ".bias");
        int out = bias.length;
        int in = weight.length / out;
        float[][] y = new float[x.length][out];
        for (int t = 0; t < x.length; t++) {
            for (int o = 0; o < out; o++) {
                double sum = bias[o];
                for (int i = 0; i < in; i++) {
                    sum += x[t][i] * weight[o * in + i];
                }
                y[t][o] = (float) sum;
            }
        }
        return y;
    }

    private static float[][] attention(float[][] q, float[][] k, float[][] v) {
        int n = q.length;
        int headSize = q[0].length / HEADS;
        float[][] context = new float[n][q[0].length];
        for (int h = 0; h < HEADS; h++) {
            int from = h * headSize;
            for (int i = 0; i < n; i++) {
                double[] scores = new double[n];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < n; j++) {
                    double dot = 0;
                    for (int d = from; d < from + headSize; d++) {
                        dot += q[i][d] * k[j][d];
                    }
                    scores[j] = dot / Math.sqrt(headSize);
                    max = Math.max(max, scores[j]);
                }
                double total = 0;
                for (int j = 0; j < n; j++) {
                    scores[j] = Math.exp(scores[j] - max);
                    total += scores[j];
                }
                for (int j = 0; j < n; j++) {
                    for (int d = from; d < from + headSize; d++) {
                        context[i][d] += (float) (scores[j] / total) * v[j][d];
                    }
                }
            }
        }
        return context;
    }

    private static void layerNorm(float[][] x, Map<String, float[]> w, String name) {
        float[] gamma = w.get(name + ".weight");
        float[] beta = w.get(name + ".bias");
        for (float[] row : x) {
            double mean = 0;
            for (float value : row) {
                mean += value / row.length;
            }
            double variance = 0;
            for (float value : row) {
                variance += (value - mean) * (value - mean) / row.length;
            }
            double scale = 1 / Math.sqrt(variance + EPS);
            for (int d = 0; d < row.length; d++) {
                row[d] = (float) ((row[d] - mean) * scale * gamma[d] + beta[d]);
            }
        }
    }

    private static float[][] add(float[][] a, float[][] b) {
        for (int t = 0; t < a.length; t++) {
            for (int d = 0; d < a[t].length; d++) {
                a[t][d] += b[t][d];
            }
        }
        return a;
    }

    /** Hugging Face's "gelu": x·Φ(x) with the exact normal CDF. */
    private static void gelu(float[][] x) {
        for (float[] row : x) {
            for (int d = 0; d < row.length; d++) {
                row[d] = (float) (0.5 * row[d] * (1 + erf(row[d] / Math.sqrt(2))));
            }
        }
    }

    /** Abramowitz and Stegun 7.1.26: absolute error below 1.5e-7, far below what this test can notice. */
    private static double erf(double x) {
        double t = 1 / (1 + 0.3275911 * Math.abs(x));
        double poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027
                + t * 1.061405429))));
        double y = 1 - poly * Math.exp(-x * x);
        return x >= 0 ? y : -y;
    }
}
