package org.softprompt.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Greedy decoding and beam search over any {@link Decoder}, batched: every prompt of the batch is decoded at
 * once, each with its own beams, on the decoder's KV cache. Bookkeeping (which beam continues with which token)
 * happens in Java on the few top candidates; the model sees one token per live row per step.
 */
public final class Generator {

    /** What was generated for one prompt: the new tokens (EOS excluded) and their total log-probability. */
    public record Generation(int[] tokens, double logProbability, boolean endedWithEos) {
        @Override
        public String toString() {
            return Arrays.toString(tokens) + " (log p " + logProbability + (endedWithEos ? ", eos)" : ")");
        }
    }

    private Generator() {}

    /** Decodes every prompt of the batch; greedy when {@code config.numBeams()} is 1. */
    public static List<Generation> generate(Decoder decoder, NDArray promptIds, NDArray promptMask,
            GenerationConfig config) {
        return config.numBeams() == 1 ? greedy(decoder, promptIds, promptMask, config)
                : beamSearch(decoder, promptIds, promptMask, config);
    }

    /** Always takes the most probable next token (after bans and the minimum length). */
    public static List<Generation> greedy(Decoder decoder, NDArray promptIds, NDArray promptMask,
            GenerationConfig config) {
        int batch = (int) promptIds.getShape().get(0);
        NDManager manager = promptIds.getManager();
        List<List<Integer>> tokens = new ArrayList<>();
        double[] logProbability = new double[batch];
        boolean[] finished = new boolean[batch];
        for (int b = 0; b < batch; b++) {
            tokens.add(new ArrayList<>());
        }
        NDArray logProbs = carry(decoder.start(promptIds, promptMask));
        try {
            for (int t = 1; t <= config.maxNewTokens(); t++) {
                NDArray next = null;
                // One scope per step: its temporaries are freed at once; the next step's scores are carried out.
                try (NDScope step = new NDScope()) {
                    NDArray masked = masksNothing(config, t) ? logProbs
                            : logProbs.add(mask(manager, logProbs.getShape().get(1), config, t));
                    long[] chosen = masked.argMax(1).toLongArray();
                    float[] chosenLogProb = masked.gather(manager.create(chosen, new Shape(batch, 1)), 1)
                            .toFloatArray();
                    long[] feed = new long[batch];
                    boolean allFinished = true;
                    for (int b = 0; b < batch; b++) {
                        if (finished[b]) {
                            feed[b] = config.padTokenId();
                            continue;
                        }
                        int token = (int) chosen[b];
                        logProbability[b] += chosenLogProb[b];
                        if (config.eosTokenIds().contains(token)) {
                            finished[b] = true;
                        } else {
                            tokens.get(b).add(token);
                        }
                        feed[b] = token;
                        allFinished &= finished[b];
                    }
                    if (!allFinished && t < config.maxNewTokens()) {
                        next = carry(decoder.next(manager.create(feed)));
                    }
                }
                logProbs.close();
                logProbs = next;
                if (next == null) {
                    break;
                }
            }
        } finally {
            if (logProbs != null) {
                logProbs.close();
            }
        }
        List<Generation> generations = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            generations.add(new Generation(tokens.get(b).stream().mapToInt(Integer::intValue).toArray(),
                    logProbability[b], finished[b]));
        }
        return generations;
    }

    /** Hypotheses of one prompt that ended (with EOS, or at the length limit). */
    private static final class Finished {
        final List<Generation> hypotheses = new ArrayList<>();
        final List<Double> scores = new ArrayList<>();

        void add(int[] tokens, double logProbability, boolean eos, double score, int keep) {
            hypotheses.add(new Generation(tokens, logProbability, eos));
            scores.add(score);
            if (hypotheses.size() > keep) {
                int worst = 0;
                for (int i = 1; i < scores.size(); i++) {
                    if (scores.get(i) < scores.get(worst)) {
                        worst = i;
                    }
                }
                hypotheses.remove(worst);
                scores.remove(worst);
            }
        }

        double worstScore() {
            return scores.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NEGATIVE_INFINITY);
        }

        Generation best() {
            int best = 0;
            for (int i = 1; i < scores.size(); i++) {
                if (scores.get(i) > scores.get(best)) {
                    best = i;
                }
            }
            return hypotheses.get(best);
        }
    }

    /**
     * Beam search: keeps the {@code numBeams} best partial sequences per prompt; a sequence that emits EOS from
     * one of the top {@code numBeams} candidates becomes a finished hypothesis scored
     * {@code logProbability / length ^ lengthPenalty}, where the length counts the generated tokens including EOS.
     */
    public static List<Generation> beamSearch(Decoder decoder, NDArray promptIds, NDArray promptMask,
            GenerationConfig config) {
        int batch = (int) promptIds.getShape().get(0);
        int beams = config.numBeams();
        int rows = batch * beams;
        NDManager manager = promptIds.getManager();
        // Enough candidates that, even if every EOS token of every beam ranks on top, `beams` others remain.
        int candidates = beams * (1 + Math.max(1, config.eosTokenIds().size()));
        int[][] history = new int[rows][0];
        double[] beamScores = new double[rows];
        for (int r = 0; r < rows; r++) {
            beamScores[r] = r % beams == 0 ? 0 : Double.NEGATIVE_INFINITY; // first step: expand beam 0 only
        }
        Finished[] finished = new Finished[batch];
        boolean[] done = new boolean[batch];
        for (int b = 0; b < batch; b++) {
            finished[b] = new Finished();
        }
        NDArray logProbs;
        try (NDScope scope = new NDScope()) {
            long[] expand = new long[rows];
            for (int r = 0; r < rows; r++) {
                expand[r] = r / beams;
            }
            NDArray expandIndices = manager.create(expand);
            logProbs = carry(decoder.start(promptIds, promptMask).get(new NDIndex("{}", expandIndices)));
            decoder.select(expandIndices);
        }
        long vocab = logProbs.getShape().get(1);
        try {
            for (int t = 1; t <= config.maxNewTokens(); t++) {
                NDArray next = null;
                try (NDScope step = new NDScope()) {
                    NDArray total = logProbs.add(mask(manager, vocab, config, t))
                            .add(manager.create(toFloats(beamScores), new Shape(rows, 1)))
                            .reshape(batch, beams * vocab);
                    NDList top = total.topK(Math.min(candidates, (int) (beams * vocab)), 1, true, true);
                    float[] topScores = top.get(0).toFloatArray();
                    long[] topIndices = top.get(1).toType(DataType.INT64, false).toLongArray();
                    int width = (int) top.get(0).getShape().get(1);

                    long[] select = new long[rows];
                    long[] feed = new long[rows];
                    double[] nextScores = new double[rows];
                    int[][] nextHistory = new int[rows][];
                    for (int b = 0; b < batch; b++) {
                        int kept = 0;
                        if (!done[b]) {
                            for (int rank = 0; rank < width && kept < beams; rank++) {
                                double score = topScores[b * width + rank];
                                if (score == Double.NEGATIVE_INFINITY) {
                                    break;
                                }
                                long flat = topIndices[b * width + rank];
                                int row = b * beams + (int) (flat / vocab);
                                int token = (int) (flat % vocab);
                                if (config.eosTokenIds().contains(token)) {
                                    if (rank < beams) { // as Hugging Face: only top-ranked EOS candidates finish
                                        finished[b].add(history[row], score, true, normalise(score, t, config), beams);
                                    }
                                    continue;
                                }
                                int slot = b * beams + kept++;
                                select[slot] = row;
                                feed[slot] = token;
                                nextScores[slot] = score;
                                nextHistory[slot] = append(history[row], token);
                            }
                            done[b] = isDone(finished[b], nextScores, b, beams, kept, t, config);
                        }
                        for (int k = kept; k < beams; k++) { // finished prompts (or too few live beams): idle rows
                            int slot = b * beams + k;
                            select[slot] = b * beams;
                            feed[slot] = config.padTokenId();
                            nextScores[slot] = Double.NEGATIVE_INFINITY;
                            nextHistory[slot] = history[b * beams];
                        }
                    }
                    history = nextHistory;
                    beamScores = nextScores;
                    boolean allDone = true;
                    for (boolean d : done) {
                        allDone &= d;
                    }
                    if (!allDone && t < config.maxNewTokens()) {
                        decoder.select(manager.create(select));
                        next = carry(decoder.next(manager.create(feed)));
                    }
                }
                logProbs.close();
                logProbs = next;
                if (next == null) {
                    break;
                }
            }
        } finally {
            if (logProbs != null) {
                logProbs.close();
            }
        }
        List<Generation> generations = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            if (!done[b]) { // out of length: live beams compete with the finished ones
                for (int k = 0; k < beams; k++) {
                    int row = b * beams + k;
                    if (beamScores[row] != Double.NEGATIVE_INFINITY) {
                        finished[b].add(history[row], beamScores[row], false,
                                normalise(beamScores[row], history[row].length, config), beams);
                    }
                }
            }
            generations.add(finished[b].best());
        }
        return generations;
    }

    /** Keeps an array alive past the scope it was made in (the caller closes it). */
    private static NDArray carry(NDArray array) {
        NDScope.unregister(array);
        return array;
    }

    private static boolean isDone(Finished finished, double[] liveScores, int b, int beams, int live, int t,
            GenerationConfig config) {
        if (finished.hypotheses.size() < beams) {
            return live == 0;
        }
        if (config.earlyStopping() || live == 0) {
            return true;
        }
        // Hugging Face's heuristic: the best live beam, normalised at the current length, cannot beat the worst
        // finished hypothesis.
        double bestLive = Arrays.stream(liveScores, b * beams, b * beams + live).max().orElse(Double.NEGATIVE_INFINITY);
        return normalise(bestLive, t, config) <= finished.worstScore();
    }

    private static double normalise(double logProbability, int length, GenerationConfig config) {
        return logProbability / Math.pow(Math.max(1, length), config.lengthPenalty());
    }

    /** Whether {@link #mask} would be all zeros at {@code step} (then greedy decoding skips it). */
    private static boolean masksNothing(GenerationConfig config, int step) {
        return config.bannedTokenIds().isEmpty() && (step > config.minNewTokens() || config.eosTokenIds().isEmpty());
    }

    /** Additive mask [vocab]: -inf on banned tokens, and on EOS while fewer than minNewTokens were generated. */
    private static NDArray mask(NDManager manager, long vocab, GenerationConfig config, int step) {
        float[] mask = new float[(int) vocab];
        for (int token : config.bannedTokenIds()) {
            if (token >= 0 && token < vocab) {
                mask[token] = Float.NEGATIVE_INFINITY;
            }
        }
        if (step <= config.minNewTokens()) {
            for (int token : config.eosTokenIds()) {
                if (token >= 0 && token < vocab) {
                    mask[token] = Float.NEGATIVE_INFINITY;
                }
            }
        }
        return manager.create(mask);
    }

    private static float[] toFloats(double[] values) {
        float[] floats = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            floats[i] = (float) values[i];
        }
        return floats;
    }

    private static int[] append(int[] tokens, int token) {
        int[] longer = Arrays.copyOf(tokens, tokens.length + 1);
        longer[tokens.length] = token;
        return longer;
    }
}
