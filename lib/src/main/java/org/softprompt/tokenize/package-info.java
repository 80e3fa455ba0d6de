/**
 * Tokenizers that give exactly Hugging Face's ids, by running Hugging Face's own Rust tokenizer (DJL's
 * {@code ai.djl.huggingface:tokenizers} binding, natives bundled, loaded offline).
 *
 * <pre>{@code
 * try (Tokenizer gpt2 = Tokenizers.load(Path.of("checkpoints/gpt2"))) {      // tokenizer.json, or vocab.json + merges.txt
 *     int[] ids = gpt2.encode(" Hello world");                                 // [18435, 995]
 * }
 * try (BertTokenizer bert = BertTokenizer.fromVocabTxt(vocabTxt, true)) {      // uncased
 *     Encoding pair = bert.encodePair("How old are you?", "I'm 6.");         // [CLS] a [SEP] b [SEP], type ids 0/1
 *     BatchEncoding batch = bert.encodeBatch(texts, EncodeOptions.defaults().truncateTo(128));
 *     NDList inputs = batch.toNDList(manager);                                 // input_ids, attention_mask, token_type_ids
 * }
 * BpeVocabulary small = ByteLevelBpeTrainer.withVocabSize(4096).trainOnFiles(List.of(corpus));
 * small.save(folder);                                                          // vocab.json + merges.txt, GPT-2 format
 * }</pre>
 *
 * <p>Where vocab files rather than a tokenizer.json are given, the tokenizer.json is built the way transformers'
 * converters (GPT2Converter, BertConverter) build it. The ids were checked against an independent re-implementation
 * of OpenAI's and Google's original algorithms (lib/src/test/python/tokenizer_reference.py); the few places where
 * Hugging Face deliberately or accidentally differs from those originals are listed in that script.
 */
package org.softprompt.tokenize;
