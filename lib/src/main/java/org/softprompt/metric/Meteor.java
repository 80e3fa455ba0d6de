package org.softprompt.metric;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tartarus.snowball.ext.EnglishStemmer;

/**
 * METEOR for English without the paraphrase module: METEOR 1.5's scoring with its exact, stem and synonym
 * matchers. Report it as {@value #LABEL}: it is not the official METEOR 1.5 (no paraphrase table, WordNet 3.1
 * instead of 3.0, this project's function-word list), so its values are close to, not equal to, the official ones.
 *
 * <p>Both texts are lower-cased and tokenized (punctuation split off with the 13a rules). Word pairs are matched
 * by three modules in order: exact (same word), stem (different words, same Snowball English stem, as METEOR uses)
 * and synonym (different words sharing a WordNet synset, {@link WordNetSynonyms}); a pair takes the first module
 * that matches. The alignment, each word used at most once, is chosen by a beam search (width 40) that prefers, in
 * order, more covered words (exact matches counting 1, others 0.5, as METEOR's aligner), fewer chunks, and a
 * smaller total distance between aligned positions. With parameters alpha, beta, gamma, delta and module weights
 * w (METEOR 1.5's English "rank" task: 0.85, 0.20, 0.60, 0.75; 1.0, 0.6, 0.8):
 * <pre>
 *   P = sum_m w_m (delta * content_m(hyp) + (1 - delta) * function_m(hyp)) / (delta * |hyp content| + (1 - delta) * |hyp function|)
 *   R = the same over the reference
 *   Fmean = P R / (alpha P + (1 - alpha) R)
 *   frag = chunks / ((matched hyp words + matched ref words) / 2), 0 for a complete one-chunk match
 *   score = Fmean (1 - gamma frag^beta)
 * </pre>
 * With several references the best-scoring one counts. The corpus score recomputes the formula from the summed
 * statistics of the segments, as METEOR's aggregate does. Instances cache stems and are not thread-safe.
 */
public final class Meteor {

    /** The name under which tables should report this metric. */
    public static final String LABEL = "METEOR (no paraphrases)";

    /**
     * METEOR's parameters.
     *
     * @param alpha         precision/recall balance of Fmean
     * @param beta          shape of the fragmentation penalty
     * @param gamma         maximum fragmentation penalty
     * @param delta         weight of content words against function words
     * @param exactWeight   credit of an exact match
     * @param stemWeight    credit of a stem match
     * @param synonymWeight credit of a synonym match
     */
    public record Parameters(double alpha, double beta, double gamma, double delta, double exactWeight,
                             double stemWeight, double synonymWeight) {

        /** METEOR 1.5's English parameters for its default "rank" task (Denkowski and Lavie, 2014). */
        public static final Parameters ENGLISH_RANK = new Parameters(0.85, 0.20, 0.60, 0.75, 1.0, 0.6, 0.8);
    }

    /** Matching modules, in the order they are tried. */
    public enum Module { EXACT, STEM, SYNONYM }

    /**
     * The sufficient statistics of one alignment (or a sum of them): lengths, function-word counts, matched words
     * per module split into content and function words, chunks.
     */
    public record Statistics(int hypothesisLength, int referenceLength, int hypothesisFunctionWords,
                             int referenceFunctionWords, int[] hypothesisContentMatches,
                             int[] hypothesisFunctionMatches, int[] referenceContentMatches,
                             int[] referenceFunctionMatches, int chunks) {

        int hypothesisMatches() {
            return Arrays.stream(hypothesisContentMatches).sum() + Arrays.stream(hypothesisFunctionMatches).sum();
        }

        int referenceMatches() {
            return Arrays.stream(referenceContentMatches).sum() + Arrays.stream(referenceFunctionMatches).sum();
        }

        Statistics plus(Statistics o) {
            return new Statistics(hypothesisLength + o.hypothesisLength, referenceLength + o.referenceLength,
                    hypothesisFunctionWords + o.hypothesisFunctionWords,
                    referenceFunctionWords + o.referenceFunctionWords,
                    add(hypothesisContentMatches, o.hypothesisContentMatches),
                    add(hypothesisFunctionMatches, o.hypothesisFunctionMatches),
                    add(referenceContentMatches, o.referenceContentMatches),
                    add(referenceFunctionMatches, o.referenceFunctionMatches), chunks + o.chunks);
        }

        private static int[] add(int[] a, int[] b) {
            int[] sum = new int[a.length];
            for (int i = 0; i < a.length; i++) {
                sum[i] = a[i] + b[i];
            }
            return sum;
        }
    }

    /** The score and its parts. */
    public record Score(double score, double precision, double recall, double fMean, double fragmentationPenalty,
                        Statistics statistics) {
    }

    /**
     * @param score      METEOR of the summed statistics
     * @param perSegment each segment's score against its best reference
     */
    public record Result(double score, List<Double> perSegment, Score aggregate) {
    }

    private static final int BEAM_SIZE = 40;
    private static final double[] ALIGNMENT_WEIGHTS = {1.0, 0.5, 0.5};

    private final Parameters parameters;
    private final Set<String> functionWords;
    private final WordNetSynonyms synonyms;
    private final EnglishStemmer stemmer = new EnglishStemmer();
    private final Map<String, String> stems = new HashMap<>();
    private final Tokenizer13a tokenizer = new Tokenizer13a();

    /** English "rank" parameters, WordNet synonyms, this project's English function words. */
    public Meteor() {
        this(Parameters.ENGLISH_RANK, defaultFunctionWords(), new WordNetSynonyms());
    }

    /**
     * @param parameters    METEOR's parameters
     * @param functionWords lower-case function words (tokens without letters or digits always count as such)
     * @param synonyms      the synonym source, or null to leave out the synonym module
     */
    public Meteor(Parameters parameters, Set<String> functionWords, WordNetSynonyms synonyms) {
        this.parameters = java.util.Objects.requireNonNull(parameters, "parameters");
        this.functionWords = Set.copyOf(functionWords);
        this.synonyms = synonyms;
    }

    /** METEOR of one hypothesis against its references (the best reference counts). */
    public Score sentence(String hypothesis, List<String> references) {
        MetricInputs.requireText(hypothesis, "hypothesis");
        MetricInputs.requireReferences(references, "references");
        List<String> hypothesisTokens = tokens(hypothesis);
        Score best = null;
        for (String reference : references) {
            Score score = score(align(hypothesisTokens, tokens(reference)));
            if (best == null || score.score() > best.score()) {
                best = score;
            }
        }
        return best;
    }

    /** Corpus METEOR: the formula on the summed statistics of each segment's best reference. */
    public Result corpus(List<String> hypotheses, List<? extends List<String>> referencesPerHypothesis) {
        MetricInputs.requireParallel(hypotheses, referencesPerHypothesis);
        if (hypotheses.isEmpty()) {
            throw new IllegalArgumentException("METEOR of an empty corpus is undefined");
        }
        List<Double> perSegment = new ArrayList<>();
        Statistics total = null;
        for (int i = 0; i < hypotheses.size(); i++) {
            Score score = sentence(hypotheses.get(i), referencesPerHypothesis.get(i));
            perSegment.add(score.score());
            total = total == null ? score.statistics() : total.plus(score.statistics());
        }
        Score aggregate = score(total);
        return new Result(aggregate.score(), List.copyOf(perSegment), aggregate);
    }

    /** The normalised tokens METEOR aligns: lower-cased, punctuation split off. */
    public List<String> tokens(String text) {
        return PythonText.split(tokenizer.apply(PythonText.lower(text)));
    }

    /** The METEOR formula on given statistics. */
    public Score score(Statistics s) {
        double delta = parameters.delta();
        double[] weights = {parameters.exactWeight(), parameters.stemWeight(), parameters.synonymWeight()};
        double hypothesisWeightedLength = delta * (s.hypothesisLength() - s.hypothesisFunctionWords())
                + (1.0 - delta) * s.hypothesisFunctionWords();
        double referenceWeightedLength = delta * (s.referenceLength() - s.referenceFunctionWords())
                + (1.0 - delta) * s.referenceFunctionWords();
        double hypothesisMatches = 0;
        double referenceMatches = 0;
        for (int m = 0; m < weights.length; m++) {
            hypothesisMatches += weights[m] * (delta * s.hypothesisContentMatches()[m]
                    + (1.0 - delta) * s.hypothesisFunctionMatches()[m]);
            referenceMatches += weights[m] * (delta * s.referenceContentMatches()[m]
                    + (1.0 - delta) * s.referenceFunctionMatches()[m]);
        }
        double precision = hypothesisMatches / hypothesisWeightedLength;
        double recall = referenceMatches / referenceWeightedLength;
        double fMean = precision * recall / (parameters.alpha() * precision + (1.0 - parameters.alpha()) * recall);
        int hypMatched = s.hypothesisMatches();
        int refMatched = s.referenceMatches();
        double fragmentation;
        if (hypMatched == s.hypothesisLength() && refMatched == s.referenceLength() && s.chunks() == 1) {
            fragmentation = 0;
        } else {
            fragmentation = s.chunks() / ((hypMatched + refMatched) / 2.0);
        }
        double penalty = parameters.gamma() * Math.pow(fragmentation, parameters.beta());
        double score = fMean * (1.0 - penalty);
        // no match at all (or an empty side) makes the formula 0/0: METEOR scores it 0
        score = Double.isNaN(score) ? 0.0 : Math.max(score, 0.0);
        return new Score(score, precision, recall, fMean, penalty, s);
    }

    // ---- alignment ----

    private record Candidate(int hypothesisIndex, int referenceIndex, int module) {
    }

    private static final class Path {
        final Candidate[] chosen;
        final boolean[] usedHypothesis;
        double covered;
        int chunks;
        int lastMatchEnd = -1;
        int distance;

        Path(int referenceLength, int hypothesisLength) {
            chosen = new Candidate[referenceLength];
            usedHypothesis = new boolean[hypothesisLength];
        }

        Path(Path other) {
            chosen = other.chosen.clone();
            usedHypothesis = other.usedHypothesis.clone();
            covered = other.covered;
            chunks = other.chunks;
            lastMatchEnd = other.lastMatchEnd;
            distance = other.distance;
        }

        void take(Candidate c) {
            chosen[c.referenceIndex()] = c;
            usedHypothesis[c.hypothesisIndex()] = true;
            covered += 2 * ALIGNMENT_WEIGHTS[c.module()];
            if (lastMatchEnd != -1 && c.hypothesisIndex() != lastMatchEnd) {
                chunks++;
            }
            lastMatchEnd = c.hypothesisIndex() + 1;
            distance += Math.abs(c.referenceIndex() - c.hypothesisIndex());
        }

        void skip() {
            if (lastMatchEnd != -1) {
                chunks++;
                lastMatchEnd = -1;
            }
        }
    }

    private static final Comparator<Path> BETTER_FIRST = Comparator.comparingDouble((Path p) -> -p.covered)
            .thenComparingInt(p -> p.chunks).thenComparingInt(p -> p.distance);

    /** Aligns two token lists and returns the alignment's statistics. */
    Statistics align(List<String> hypothesis, List<String> reference) {
        int n = hypothesis.size();
        int m = reference.size();
        List<List<Candidate>> candidates = new ArrayList<>();
        int[] hypothesisCoverage = new int[n];
        for (int j = 0; j < m; j++) {
            List<Candidate> atJ = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int module = module(hypothesis.get(i), reference.get(j));
                if (module >= 0) {
                    atJ.add(new Candidate(i, j, module));
                    hypothesisCoverage[i]++;
                }
            }
            candidates.add(atJ);
        }
        // a match that is the only option for both of its words is certain: fix it before searching
        Path start = new Path(m, n);
        Candidate[] fixed = new Candidate[m];
        for (int j = 0; j < m; j++) {
            List<Candidate> atJ = candidates.get(j);
            if (atJ.size() == 1 && hypothesisCoverage[atJ.get(0).hypothesisIndex()] == 1) {
                fixed[j] = atJ.get(0);
                start.usedHypothesis[fixed[j].hypothesisIndex()] = true;
            }
        }
        List<Path> paths = new ArrayList<>(List.of(start));
        for (int j = 0; j < m; j++) {
            paths.sort(BETTER_FIRST);
            List<Path> next = new ArrayList<>();
            for (int rank = 0; rank < Math.min(BEAM_SIZE, paths.size()); rank++) {
                Path path = paths.get(rank);
                if (fixed[j] != null) {
                    Path taken = new Path(path);
                    taken.usedHypothesis[fixed[j].hypothesisIndex()] = false;
                    taken.take(fixed[j]);
                    next.add(taken);
                    continue;
                }
                for (Candidate c : candidates.get(j)) {
                    if (!path.usedHypothesis[c.hypothesisIndex()]) {
                        Path taken = new Path(path);
                        taken.take(c);
                        next.add(taken);
                    }
                }
                Path skipped = new Path(path);
                skipped.skip();
                next.add(skipped);
            }
            paths = next;
        }
        for (Path path : paths) {
            path.skip(); // close the last chunk
        }
        paths.sort(BETTER_FIRST);
        return statistics(paths.get(0), hypothesis, reference);
    }

    /** The first module matching the pair, or -1. */
    private int module(String hypothesisWord, String referenceWord) {
        if (hypothesisWord.equals(referenceWord)) {
            return Module.EXACT.ordinal();
        }
        if (stem(hypothesisWord).equals(stem(referenceWord))) {
            return Module.STEM.ordinal();
        }
        if (synonyms != null && synonyms.synonymous(hypothesisWord, referenceWord)) {
            return Module.SYNONYM.ordinal();
        }
        return -1;
    }

    private String stem(String word) {
        return stems.computeIfAbsent(word, w -> {
            stemmer.setCurrent(w);
            stemmer.stem();
            return stemmer.getCurrent();
        });
    }

    private Statistics statistics(Path path, List<String> hypothesis, List<String> reference) {
        int modules = Module.values().length;
        int[] hypContent = new int[modules];
        int[] hypFunction = new int[modules];
        int[] refContent = new int[modules];
        int[] refFunction = new int[modules];
        for (Candidate c : path.chosen) {
            if (c != null) {
                if (isFunctionWord(hypothesis.get(c.hypothesisIndex()))) {
                    hypFunction[c.module()]++;
                } else {
                    hypContent[c.module()]++;
                }
                if (isFunctionWord(reference.get(c.referenceIndex()))) {
                    refFunction[c.module()]++;
                } else {
                    refContent[c.module()]++;
                }
            }
        }
        int hypFunctionWords = (int) hypothesis.stream().filter(this::isFunctionWord).count();
        int refFunctionWords = (int) reference.stream().filter(this::isFunctionWord).count();
        return new Statistics(hypothesis.size(), reference.size(), hypFunctionWords, refFunctionWords, hypContent,
                hypFunction, refContent, refFunction, path.chunks);
    }

    private boolean isFunctionWord(String token) {
        return functionWords.contains(token) || token.codePoints().noneMatch(Character::isLetterOrDigit);
    }

    /** This project's English function-word list (see the resource's header for what it contains). */
    public static Set<String> defaultFunctionWords() {
        String resource = "meteor-function-words-en.txt";
        Set<String> words = new HashSet<>();
        try (InputStream in = Meteor.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("resource " + resource + " is missing from the class path");
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            while ((line = reader.readLine()) != null) {
                String word = line.strip();
                if (!word.isEmpty() && !word.startsWith("#")) {
                    words.add(word);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read resource " + resource, e);
        }
        return Set.copyOf(words);
    }
}
