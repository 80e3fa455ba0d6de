package org.softprompt.metric;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PorterStemmerTest {

    @Test
    void matchesNltk38OnThousandsOfWords() throws IOException {
        PorterStemmer stemmer = new PorterStemmer();
        List<String> differences = new ArrayList<>();
        int words = 0;
        try (InputStream in = PorterStemmerTest.class.getResourceAsStream("/metric/porter_nltk38.tsv")) {
            assertTrue(in != null, "test resource /metric/porter_nltk38.tsv is missing");
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.startsWith("#") || line.isBlank()) {
                    continue;
                }
                String[] parts = line.split("\t");
                words++;
                String stem = stemmer.stem(parts[0]);
                if (!stem.equals(parts[1])) {
                    differences.add(parts[0] + ": NLTK " + parts[1] + ", ours " + stem);
                }
            }
        }
        assertTrue(words > 3000, "expected more than 3000 reference words, found " + words);
        assertEquals(List.of(), differences, "stems that differ from NLTK 3.8");
    }

    @Test
    void nltkExtensionsDifferFromMartinPortersVersion() {
        PorterStemmer stemmer = new PorterStemmer();
        assertEquals("sky", stemmer.stem("skies"));   // irregular table
        assertEquals("tie", stemmer.stem("ties"));    // four-letter -ies
        assertEquals("enjoy", stemmer.stem("enjoy")); // y kept after a vowel
        assertEquals("spi", stemmer.stem("spy"));     // y -> i after a consonant
        assertEquals("gener", stemmer.stem("generalizations"));
    }
}
