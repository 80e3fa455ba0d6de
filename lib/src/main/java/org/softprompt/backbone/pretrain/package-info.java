/**
 * The small backbones pretrained here in place of GPT-2 and ViT checkpoints that cannot be downloaded offline, saved
 * in the Hugging Face layout so that notebook code which loads gpt2-medium or google/vit-base-patch16-224-in21k at
 * paper scale loads them unchanged.
 *
 * <pre>{@code
 * Path gpt = GptPretraining.forScale(Scale.current()).ensure(listener);   // GPT-2 folder + tokenizer
 * Path vit = VitPretraining.forScale(Scale.current()).ensure(listener);   // ViTForImageClassification folder
 * try (Gpt2 model = Gpt2.load(gpt, manager); Tokenizer tokenizer = Tokenizers.load(gpt)) { ... }
 * }</pre>
 * <ul>
 *   <li>SMOKE: seconds, tiny models (CI); QUICK: at most 20 minutes on a 2-core CPU; PAPER: no training, the
 *       checkpoint comes from the hub ({@link org.softprompt.backbone.hub.HuggingFaceHub}).</li>
 *   <li>Results are kept in {@link org.softprompt.backbone.pretrain.PretrainingCache}: a folder under
 *       {@code <models>/pretrained/} (models = -Dsoftprompt.models, SOFTPROMPT_MODELS or
 *       ~/.cache/softprompt/models) named by a hash of every setting, written atomically, with a
 *       {@code pretraining.json} report (validation perplexity or test accuracy, tokens or images seen, wall time,
 *       parameter count, a sampled loss curve). A second call returns the folder without training.</li>
 *   <li>{@code Pretrain gpt|vit [scale [steps]]} fills the cache from a shell.</li>
 * </ul>
 * On a CPU shared with other busy processes, PyTorch's default OpenMP threads spin while waiting and slow training
 * by an order of magnitude; {@code -Dai.djl.pytorch.num_threads=1} and {@code OMP_WAIT_POLICY=PASSIVE} avoid it.
 */
package org.softprompt.backbone.pretrain;
