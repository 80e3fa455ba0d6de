package org.softprompt.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * LAMA T-REx fact probes (Petroni et al. 2019) for P-tuning's knowledge probing. Reads {@code lama-trex/}:
 * <ul>
 *   <li>{@code LAMA_relations.jsonl}: LAMA's relation list (template, label, type); it lists 46 relations, of which
 *   the 41 with a facts file are the T-REx relations.</li>
 *   <li>{@code trex_lms_vocab/<relation>.jsonl}: the facts ({@code sub_label, obj_label, uuid}), ParaRel's copy of
 *   T-REx restricted to objects that are single tokens for BERT-cased, RoBERTa and ALBERT (29,411 facts).</li>
 *   <li>{@code common_vocab_cased.txt}: LAMA's common vocabulary (21,018 tokens). As in LAMA, facts whose object
 *   is not in it are dropped (none are in this copy), and P@1 ranks only tokens of this vocabulary.</li>
 *   <li>{@code patterns/<relation>.jsonl}: ParaRel's paraphrased templates (absent for P31 and P527).</li>
 * </ul>
 * There are no official train/dev sets (P-tuning's came from AutoPrompt and are not here): {@link #split} cuts each
 * relation's facts with a seed.
 */
public final class LamaTrex {
    private final List<Relation> relations;
    private final Map<String, List<Fact>> facts;
    private final Map<String, List<Paraphrase>> paraphrases;
    private final List<String> commonVocab;
    private final Set<String> commonVocabSet;
    private final int droppedByVocab;

    /** A relation with its LAMA template, e.g. P36 "The capital of [X] is [Y] ." of type "1-1". */
    public record Relation(String id, String template, String label, String type, String description) {
        /** The template with [X] filled by the subject and [Y] by {@code object} (e.g. a mask token). */
        public String fill(String subject, String object) {
            return template.replace("[X]", subject).replace("[Y]", object);
        }
    }

    /** One fact: the object is the answer to predict. */
    public record Fact(String relation, String subject, String object, String uuid) {}

    /** A ParaRel paraphrase of a relation's template. */
    public record Paraphrase(String pattern, String lemma, String extendedLemma, String tense) {}

    private LamaTrex(List<Relation> relations, Map<String, List<Fact>> facts, Map<String, List<Paraphrase>> paraphrases,
            List<String> commonVocab, int droppedByVocab) {
        this.relations = List.copyOf(relations);
        this.facts = facts;
        this.paraphrases = paraphrases;
        this.commonVocab = commonVocab;
        this.commonVocabSet = Set.copyOf(commonVocab);
        this.droppedByVocab = droppedByVocab;
    }

    public static LamaTrex load() {
        return load(DataFiles.dataset("lama-trex"));
    }

    public static LamaTrex load(Path folder) {
        Map<String, Relation> listed = readRelations(folder.resolve("LAMA_relations.jsonl"));
        List<String> vocab = readVocab(folder.resolve("common_vocab_cased.txt"));
        Set<String> vocabSet = Set.copyOf(vocab);
        Path factsDir = folder.resolve("trex_lms_vocab");
        List<Path> factFiles = DataFiles.listFiles(factsDir, ".jsonl", "one <relation>.jsonl facts file per relation");
        List<Relation> relations = new ArrayList<>();
        Map<String, List<Fact>> facts = new LinkedHashMap<>();
        Map<String, List<Paraphrase>> paraphrases = new LinkedHashMap<>();
        int dropped = 0;
        // Relations in LAMA_relations.jsonl order, restricted to those that have facts.
        Set<String> withFacts = new LinkedHashSet<>();
        factFiles.forEach(f -> withFacts.add(f.getFileName().toString().replace(".jsonl", "")));
        for (String id : withFacts) {
            if (!listed.containsKey(id)) {
                throw new DataException("Facts file " + factsDir.resolve(id + ".jsonl") + " has no relation entry in "
                        + folder.resolve("LAMA_relations.jsonl"));
            }
        }
        for (Relation relation : listed.values()) {
            if (!withFacts.contains(relation.id())) {
                continue;
            }
            relations.add(relation);
            Path file = factsDir.resolve(relation.id() + ".jsonl");
            List<Fact> kept = new ArrayList<>();
            for (DataFiles.JsonLine line : DataFiles.readJsonLines(file, "LAMA facts {sub_label, obj_label, uuid}")) {
                Fact fact = new Fact(relation.id(), line.string("sub_label"), line.string("obj_label"),
                        line.string("uuid"));
                if (vocabSet.contains(fact.object())) {
                    kept.add(fact);
                } else {
                    dropped++;
                }
            }
            facts.put(relation.id(), DataFiles.nonEmpty(kept, file, "facts whose object is in the common vocabulary"));
            paraphrases.put(relation.id(), readParaphrases(folder.resolve("patterns").resolve(relation.id() + ".jsonl")));
        }
        return new LamaTrex(relations, facts, paraphrases, vocab, dropped);
    }

    /** The T-REx relations (those with facts), in the order of LAMA_relations.jsonl. */
    public List<Relation> relations() {
        return relations;
    }

    public Relation relation(String id) {
        return relations.stream().filter(r -> r.id().equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("No T-REx relation " + id));
    }

    /** The facts of one relation, in file order. */
    public List<Fact> facts(String relationId) {
        List<Fact> list = facts.get(relationId);
        if (list == null) {
            throw new IllegalArgumentException("No T-REx relation " + relationId + "; relations: " + facts.keySet());
        }
        return list;
    }

    /** All facts, relation by relation. */
    public List<Fact> allFacts() {
        return facts.values().stream().flatMap(List::stream).toList();
    }

    /** ParaRel paraphrases of a relation's template; empty for P31 and P527, which ParaRel does not cover. */
    public List<Paraphrase> paraphrases(String relationId) {
        facts(relationId);
        return paraphrases.get(relationId);
    }

    /** LAMA's common cased vocabulary (file order): the only tokens P@1 ranks. */
    public List<String> commonVocab() {
        return commonVocab;
    }

    /** Whether LAMA's P@1 ranks this token. */
    public boolean inCommonVocab(String token) {
        return commonVocabSet.contains(token);
    }

    /** How many facts the common-vocabulary filter removed (0 for this copy: ParaRel's objects all pass). */
    public int droppedByVocab() {
        return droppedByVocab;
    }

    /**
     * A seeded split of every relation's facts by fractions (test gets the rest), e.g. 0.5/0.1 for 50/10/40.
     * The seed is combined with the relation's position so relations are shuffled independently.
     */
    public Map<String, Split<Fact>> split(long seed, double trainFraction, double devFraction) {
        Map<String, Split<Fact>> splits = new TreeMap<>();
        for (int i = 0; i < relations.size(); i++) {
            String id = relations.get(i).id();
            String note = String.format("LAMA T-REx %s has no official train/dev set: facts split %.0f/%.0f/%.0f "
                    + "train/dev/test (seed %d)", id, 100 * trainFraction, 100 * devFraction,
                    100 * (1 - trainFraction - devFraction), seed);
            splits.put(id, Splits.byFractions(facts(id), seed * 1_000_003L + i, trainFraction, devFraction, note));
        }
        return splits;
    }

    /** The note notebooks print for {@link #split}. */
    public static String splitNote(long seed, double trainFraction, double devFraction) {
        return String.format("LAMA T-REx (41 relations, ParaRel's 29,411 facts) has no official train/dev sets: each "
                + "relation's facts are split %.0f/%.0f/%.0f train/dev/test with seed %d; P@1 over LAMA's common "
                + "cased vocabulary.", 100 * trainFraction, 100 * devFraction, 100 * (1 - trainFraction - devFraction),
                seed);
    }

    private static Map<String, Relation> readRelations(Path file) {
        Map<String, Relation> relations = new LinkedHashMap<>();
        for (DataFiles.JsonLine line : DataFiles.readJsonLines(file, "LAMA relations {relation, template, label, type}")) {
            String template = line.string("template");
            if (!template.contains("[X]") || !template.contains("[Y]")) {
                throw DataException.at(file, line.line(), "template '" + template + "' lacks [X] or [Y]");
            }
            String description = line.stringOrNull("description");
            relations.put(line.string("relation"), new Relation(line.string("relation"), template,
                    line.string("label"), line.string("type"), description == null ? "" : description));
        }
        return relations;
    }

    private static List<String> readVocab(Path file) {
        Set<String> vocab = new LinkedHashSet<>();
        for (String line : DataFiles.readLines(file, "LAMA's common vocabulary, one token per line")) {
            if (!line.isEmpty()) {
                vocab.add(line);
            }
        }
        if (vocab.isEmpty()) {
            throw DataException.empty(file, "LAMA's common vocabulary, one token per line");
        }
        return List.copyOf(vocab);
    }

    private static List<Paraphrase> readParaphrases(Path file) {
        if (!Files.exists(file)) {
            return List.of();
        }
        List<Paraphrase> list = new ArrayList<>();
        for (DataFiles.JsonLine line : DataFiles.readJsonLines(file, "ParaRel patterns {pattern, lemma, ...}")) {
            String lemma = line.stringOrNull("lemma");
            String extended = line.stringOrNull("extended_lemma");
            String tense = line.stringOrNull("tense");
            list.add(new Paraphrase(line.string("pattern"), lemma == null ? "" : lemma,
                    extended == null ? "" : extended, tense == null ? "" : tense));
        }
        return List.copyOf(list);
    }
}
